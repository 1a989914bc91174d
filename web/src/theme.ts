import {
  Autocomplete,
  Badge,
  CloseButton,
  type CSSVariablesResolver,
  createTheme,
  DEFAULT_THEME,
  Drawer,
  darken,
  defaultVariantColorsResolver,
  type MantineColorsTuple,
  Menu,
  Modal,
  MultiSelect,
  Notification,
  parseThemeColor,
  rem,
  SegmentedControl,
  Select,
  Table,
  TagsInput,
  type VariantColorsResolver,
} from '@mantine/core';
import type { TFunction } from 'i18next';

/*
 * Colours that meet WCAG 2.1 AA (IS 5568) by construction. Mantine's light
 * scheme pairs white text with shade 6 and dimmed text with gray 6, which fall
 * short of 4.5:1 for most colours (indigo 6 under white is 4.3:1, gray 6 on
 * the page background 3.2:1). Instead of picking colours screen by screen,
 * every colour's filled, light, outline and text variables are chosen here as
 * the first shade, from Mantine's usual one on, that reaches the ratio against
 * the background it is drawn on; past shade 9 the colour is darkened further.
 */

const minContrast = 4.6; // AA asks 4.5:1 for body text; a little margin for rounding.

function channels(color: string): [number, number, number] {
  if (color.startsWith('#')) {
    const hex = color.slice(1);
    return [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  }
  const [r = 0, g = 0, b = 0] = (color.match(/[\d.]+/g) ?? []).map(Number);
  return [r, g, b];
}

function luminance(color: string): number {
  const [r, g, b] = channels(color).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two colours (#rrggbb or rgb[a](...)). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The first of `shades[from..9]`, then shade 9 darkened step by step, that reads on `background`. */
function readableShade(shades: MantineColorsTuple, from: number, background: string): string {
  const candidates = [...shades.slice(from), ...[1, 2, 3, 4, 5, 6, 7, 8].map((k) => darken(shades[9], k * 0.05))];
  return candidates.find((c) => contrastRatio(c, background) >= minContrast) ?? '#000000';
}

const white = '#ffffff';
const black = '#000000';
const gray = DEFAULT_THEME.colors.gray;

/**
 * Very light colours (yellow, lime) stay light when filled and take dark
 * text, as a warning sign does; every other colour gets a shade dark enough
 * for white text.
 */
function takesDarkText(shades: MantineColorsTuple): boolean {
  return contrastRatio(black, shades[6]) >= 10;
}

function accessibleColorVariables(name: string, shades: MantineColorsTuple): Record<string, string> {
  const fill = takesDarkText(shades) ? shades[6] : readableShade(shades, 6, white);
  const fillIndex = shades.indexOf(fill);
  const fillHover = (fillIndex >= 0 ? shades[fillIndex + 1] : undefined) ?? darken(fill, 0.1);
  // Text in light and subtle variants sits on shade 1, or shade 2 under the pointer.
  const lightText = readableShade(shades, 9, shades[2]);
  // Outline and plain coloured text sit on the page: white cards on a gray-0 background, gray-1 rows.
  const text = readableShade(shades, 6, gray[1]);
  return {
    [`--mantine-color-${name}-filled`]: fill,
    [`--mantine-color-${name}-filled-hover`]: fillHover,
    [`--mantine-color-${name}-light-color`]: lightText,
    [`--mantine-color-${name}-outline`]: text,
    [`--mantine-color-${name}-text`]: text,
  };
}

const primaryColor = 'indigo';

const cssVariablesResolver: CSSVariablesResolver = (theme) => {
  const light: Record<string, string> = {
    // gray 6 (#868e96) is 3.2:1 on the page; this gray is 6:1 on white and 5.4:1 on a highlighted row.
    '--mantine-color-dimmed': '#5c636a',
    '--mantine-color-placeholder': '#6a7178',
    '--mantine-color-anchor': `var(--mantine-color-${primaryColor}-text)`,
    // Field errors are text too (red 6 is 3.3:1 on white).
    '--mantine-color-error': 'var(--mantine-color-red-text)',
  };
  for (const [name, shades] of Object.entries(theme.colors)) {
    if (shades) Object.assign(light, accessibleColorVariables(name, shades));
  }
  return { variables: {}, light, dark: {} };
};

const darkTextColors = new Set(
  Object.entries(DEFAULT_THEME.colors)
    .filter(([, shades]) => takesDarkText(shades))
    .map(([name]) => name),
);

/** Filled components in a very light colour get dark text (see `takesDarkText`). */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  if (input.variant !== 'filled') return colors;
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (parsed.isThemeColor && parsed.shade === undefined && darkTextColors.has(parsed.color)) {
    return { ...colors, color: 'var(--mantine-color-black)' };
  }
  return colors;
};

/**
 * The colour of a destructive menu item (log out, erase). Mantine's menu
 * items draw a theme colour at shade 6 whatever the theme says (red 6 is
 * 3.3:1 on white); given as a CSS value, the item takes the readable red.
 */
export const dangerMenuColor = 'var(--mantine-color-red-text)';

// Page titles are the one level-one heading of a screen; they keep the size of Mantine's h2.
const pageTitleSize = { fontSize: rem(26), lineHeight: '1.35' };

const scrollingOptions = { styles: { options: { maxHeight: rem(240), overflowY: 'auto' as const } } };

export const theme = createTheme({
  fontFamily: 'system-ui, "Segoe UI", Arial, sans-serif',
  headings: { fontFamily: 'system-ui, "Segoe UI", Arial, sans-serif', sizes: { h1: pageTitleSize } },
  primaryColor,
  defaultRadius: 'md',
  variantColorResolver,
  components: {
    // Hebrew has no capitals; English badges in capitals would be louder than Hebrew ones.
    Badge: Badge.extend({ defaultProps: { tt: 'none', style: { flexShrink: 0, minWidth: 'max-content' } } }),
    // Mantine's placeholder that takes the focus when a menu opens is a focusable child a menu may not
    // have (ARIA); without it the focus lands on the first item, as the WAI-ARIA menu pattern says.
    Menu: Menu.extend({ defaultProps: { withInitialFocusPlaceholder: false } }),
    // The chosen segment is filled (4.5:1 and more), not a white pill on a light gray track (1.1:1).
    SegmentedControl: SegmentedControl.extend({ defaultProps: { color: primaryColor } }),
    // A table wider than the screen scrolls sideways; a keyboard user scrolls it after tabbing to it. Its
    // scrollbar shows whenever it does (not only under a pointer, which a phone has not), so a column cut
    // off at the edge reads as "more this way", not as the end of the table.
    TableScrollContainer: Table.ScrollContainer.extend({
      defaultProps: { scrollAreaProps: { type: 'auto', viewportProps: { tabIndex: 0 } } },
    }),
    // The list of options scrolls itself (the listbox the field controls) rather than a box inside it,
    // so arrow keys scroll it and assistive technology knows it as the field's list.
    Select: Select.extend({ defaultProps: { withScrollArea: false, comboboxProps: scrollingOptions } }),
    MultiSelect: MultiSelect.extend({ defaultProps: { withScrollArea: false, comboboxProps: scrollingOptions } }),
    Autocomplete: Autocomplete.extend({ defaultProps: { withScrollArea: false, comboboxProps: scrollingOptions } }),
    TagsInput: TagsInput.extend({ defaultProps: { withScrollArea: false, comboboxProps: scrollingOptions } }),
  },
});

/**
 * The parts of the theme that speak: names for Mantine's icon-only buttons
 * (a modal's ×, a notification's ×), in the user's language.
 */
export function localizedTheme(t: TFunction) {
  const close = { 'aria-label': t('app.close') };
  return createTheme({
    components: {
      Modal: Modal.extend({ defaultProps: { closeButtonProps: close } }),
      Drawer: Drawer.extend({ defaultProps: { closeButtonProps: close } }),
      Notification: Notification.extend({ defaultProps: { closeButtonProps: close } }),
      CloseButton: CloseButton.extend({ defaultProps: close }),
    },
  });
}

export { cssVariablesResolver };
