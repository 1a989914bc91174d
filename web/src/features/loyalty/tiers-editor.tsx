import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/icons.tsx';
import { WholeNumberInput } from './form-fields.tsx';
import { tierColor, useLoyaltyFormat } from './loyalty-format.ts';
import { emptyTier, type ProgramForm, type TierRow } from './program-form.ts';

const maxTiers = 10;

/** Arrows drawn as text: the icons have no up and down, and these read the same in both directions. */
function Arrow({ up }: { up: boolean }) {
  return (
    <span aria-hidden="true" style={{ fontSize: 16, lineHeight: 1 }}>
      {up ? '↑' : '↓'}
    </span>
  );
}

/**
 * The club's tiers, lowest first: add, remove and reorder rows, each with its name, threshold (points or
 * shekels, by the club's basis), multiplier, birthday points, early access and perks. `errorOf` gives a field's
 * message by the server's name for it (`tiers.1.threshold`).
 */
export function TiersEditor({
  tiers,
  basis,
  onChange,
  errorOf,
}: {
  tiers: TierRow[];
  basis: ProgramForm['tierBasis'];
  onChange: (tiers: TierRow[]) => void;
  errorOf: (field: string) => string | undefined;
}) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const update = (index: number, change: Partial<TierRow>) =>
    onChange(tiers.map((tier, i) => (i === index ? { ...tier, ...change } : tier)));
  const move = (index: number, by: -1 | 1) => {
    const next = [...tiers];
    const [row] = next.splice(index, 1);
    if (row) next.splice(index + by, 0, row);
    onChange(next);
  };
  const remove = (index: number) => onChange(tiers.filter((_, i) => i !== index));
  return (
    <Stack gap="sm" data-testid="tiers-editor">
      {tiers.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('tiersEditor.none')}
        </Text>
      ) : null}
      {tiers.map((tier, i) => {
        const name = tier.name.trim() || t('tiersEditor.unnamed');
        const field = (key: string) => `tiers.${i}.${key}`;
        return (
          <Card key={tier.key} withBorder padding="sm" data-testid="tier-row" data-index={i}>
            <Stack gap="xs">
              <Group justify="space-between" wrap="nowrap">
                <Badge color={tierColor(i + 1)} variant="light" size="lg">
                  {t('tiersEditor.tier', { n: i + 1 })}
                </Badge>
                <Group gap={4} wrap="nowrap">
                  <ActionIcon
                    variant="default"
                    onClick={() => move(i, -1)}
                    disabled={i === 0}
                    aria-label={t('tiersEditor.moveUp', { name })}
                    data-testid="tier-up"
                  >
                    <Arrow up />
                  </ActionIcon>
                  <ActionIcon
                    variant="default"
                    onClick={() => move(i, 1)}
                    disabled={i === tiers.length - 1}
                    aria-label={t('tiersEditor.moveDown', { name })}
                    data-testid="tier-down"
                  >
                    <Arrow up={false} />
                  </ActionIcon>
                  <ActionIcon
                    variant="default"
                    color="red"
                    onClick={() => remove(i)}
                    aria-label={t('tiersEditor.remove', { name })}
                    data-testid="tier-remove"
                  >
                    <Icon name="trash" size={16} />
                  </ActionIcon>
                </Group>
              </Group>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <TextInput
                  label={t('tiersEditor.name')}
                  value={tier.name}
                  onChange={(e) => update(i, { name: e.currentTarget.value })}
                  error={errorOf(field('name'))}
                  maxLength={60}
                  required
                  data-testid="tier-name"
                />
                <NumberInput
                  label={
                    basis === 'spend'
                      ? t('tiersEditor.thresholdSpend', { currency: lf.currencySymbol })
                      : t('tiersEditor.thresholdPoints')
                  }
                  description={i === 0 ? t('tiersEditor.thresholdHelpFirst') : undefined}
                  value={tier.threshold}
                  onChange={(value) => update(i, { threshold: value })}
                  error={errorOf(field('threshold'))}
                  min={0}
                  decimalScale={basis === 'spend' ? 2 : 0}
                  thousandSeparator=","
                  required
                  data-testid="tier-threshold"
                />
                <NumberInput
                  label={t('tiersEditor.multiplier')}
                  description={t('tiersEditor.multiplierHelp')}
                  value={tier.multiplier}
                  onChange={(value) => update(i, { multiplier: value })}
                  error={errorOf(field('earnMultiplierPct'))}
                  min={0}
                  max={10}
                  step={0.25}
                  decimalScale={2}
                  data-testid="tier-multiplier"
                />
                <WholeNumberInput
                  label={t('tiersEditor.birthdayPoints')}
                  value={tier.birthdayPoints}
                  onChange={(value) => update(i, { birthdayPoints: value })}
                  error={errorOf(field('birthdayPoints'))}
                  min={0}
                  thousands
                  data-testid="tier-birthday"
                />
              </SimpleGrid>
              <Textarea
                label={t('tiersEditor.perks')}
                placeholder={t('tiersEditor.perksPlaceholder')}
                value={tier.perks}
                onChange={(e) => update(i, { perks: e.currentTarget.value })}
                error={errorOf(field('perks'))}
                maxLength={500}
                // A fixed height: a growing box leaves a hidden copy pinned to the page's right edge, which in Hebrew
                // sticks out on the left once the window narrows.
                rows={2}
                data-testid="tier-perks"
              />
              <Checkbox
                label={t('tiersEditor.earlyAccess')}
                checked={tier.earlyAccess}
                onChange={(e) => update(i, { earlyAccess: e.currentTarget.checked })}
                data-testid="tier-early-access"
              />
            </Stack>
          </Card>
        );
      })}
      <Group justify="space-between">
        <Button
          variant="light"
          leftSection={<Icon name="plus" size={16} />}
          onClick={() => onChange([...tiers, emptyTier()])}
          disabled={tiers.length >= maxTiers}
          data-testid="tier-add"
        >
          {t('tiersEditor.add')}
        </Button>
        {tiers.length >= maxTiers ? (
          <Text size="sm" c="dimmed">
            {t('tiersEditor.max')}
          </Text>
        ) : null}
      </Group>
    </Stack>
  );
}
