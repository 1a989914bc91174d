import { Badge, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/icons.tsx';
import type { ConductFlag, LifecycleStage } from './customers-api.ts';

const stageColors: Record<LifecycleStage, string> = {
  lead: 'gray',
  customer: 'blue',
  repeat: 'cyan',
  loyal: 'teal',
  at_risk: 'orange',
  lost: 'red',
};

export function StageBadge({ stage }: { stage: LifecycleStage }) {
  const { t } = useTranslation('customers');
  return (
    <Badge color={stageColors[stage] ?? 'gray'} variant="light" data-testid="stage-badge">
      {t(`stages.${stage}`)}
    </Badge>
  );
}

const conductColors: Record<ConductFlag, string> = { warning: 'yellow', restricted: 'orange', banned: 'red' };

export function ConductBadge({ flag }: { flag: ConductFlag | null }) {
  const { t } = useTranslation('customers');
  if (!flag) return null;
  return (
    <Badge
      color={conductColors[flag]}
      variant="filled"
      leftSection={<Icon name="flag" size={12} />}
      data-testid="conduct-badge"
    >
      {t(`conduct.${flag}`)}
    </Badge>
  );
}

export function TagList({ tags, max = 4 }: { tags: string[]; max?: number }) {
  if (tags.length === 0) return null;
  const shown = tags.slice(0, max);
  return (
    <Group gap={4} wrap="wrap">
      {shown.map((tag) => (
        <Badge key={tag} variant="outline" color="gray" size="sm" tt="none">
          {tag}
        </Badge>
      ))}
      {tags.length > max ? (
        <Badge variant="outline" color="gray" size="sm">
          +{tags.length - max}
        </Badge>
      ) : null}
    </Group>
  );
}
