import {
  Alert,
  Anchor,
  Button,
  Card,
  Grid,
  Group,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, isApiError } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { EmptyBlock, FormAlert, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { isolate, useFormat } from '../../format.ts';
import { useCan } from '../../session.ts';
import { RuleBuilder } from './rule-builder.tsx';
import { MembersCard, PreviewCard } from './segment-customers.tsx';
import { draftOf, type RulesDraft, ruleErrorsOf, rulesOf } from './segment-rules.ts';
import {
  type Segment,
  type SegmentField,
  type SegmentRules,
  type SegmentSchedule,
  schedules,
  useDeleteSegment,
  useRefreshSegment,
  useSaveSegment,
  useSegment,
  useSegmentFields,
  useSegmentPreview,
} from './segments-api.ts';

const route = getRouteApi('/_app/segments/$id');

/** The server's message for exactly this field of the segment (`name`, not a rule's). */
function topFieldError(error: unknown, field: string): string | undefined {
  if (!isApiError(error)) return undefined;
  return error.errors.find((e) => e.field === field || e.field === `body.${field}`)?.message;
}

function BackLink() {
  const { t, i18n } = useTranslation('segments');
  return (
    <Anchor component={Link} to="/segments" size="sm">
      {i18n.dir() === 'rtl' ? '→' : '←'} {t('editor.back')}
    </Anchor>
  );
}

/** A saved segment's count and when it was last worked out, with refresh and delete for managers. */
function SavedHeader({ segment, manage }: { segment: Segment; manage: boolean }) {
  const { t } = useTranslation('segments');
  const fmt = useFormat();
  const navigate = useNavigate();
  const refresh = useRefreshSegment(segment.id);
  const remove = useDeleteSegment(segment.id);
  const [confirming, setConfirming] = useState(false);
  const count = t('customers', { count: segment.customerCount, n: fmt.number(segment.customerCount) });
  return (
    <Group justify="space-between" align="flex-start" gap="sm">
      <Stack gap={4} style={{ minWidth: 0 }}>
        <PageTitle style={{ overflowWrap: 'anywhere' }}>{segment.name}</PageTitle>
        <Text size="sm" c="dimmed" data-testid="segment-counted" data-count={segment.customerCount}>
          {segment.refreshedAt
            ? t('editor.counted', { customers: count, when: fmt.dateTime(String(segment.refreshedAt)) })
            : t('editor.countedNever')}
          {' · '}
          {t(`schedules.${segment.schedule}`)}
        </Text>
      </Stack>
      {manage ? (
        <Group gap="xs">
          <Button
            variant="default"
            leftSection={<Icon name="clock" size={18} />}
            loading={refresh.isPending}
            onClick={() => refresh.mutate(undefined, { onSuccess: () => notifySaved(t('editor.refreshed')) })}
            data-testid="segment-refresh"
          >
            {t('editor.refresh')}
          </Button>
          <Button
            variant="light"
            color="red"
            leftSection={<Icon name="trash" size={18} />}
            onClick={() => setConfirming(true)}
            data-testid="segment-delete"
          >
            {t('editor.delete')}
          </Button>
        </Group>
      ) : null}
      {refresh.error ? <FormAlert error={refresh.error} /> : null}
      <ConfirmModal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('editor.deleteTitle')}
        text={t('editor.deleteText', { name: isolate(segment.name) })}
        error={remove.error ?? undefined}
        confirm={t('editor.delete')}
        color="red"
        loading={remove.isPending}
        onConfirm={() =>
          remove.mutate(undefined, {
            onSuccess: () => {
              setConfirming(false);
              notifySaved(t('editor.deleted'));
              void navigate({ to: '/segments' });
            },
          })
        }
        confirmTestId="segment-delete-confirm"
        testId="segment-delete-modal"
      />
    </Group>
  );
}

/**
 * The segment's form: its name, description and schedule, the rule builder, and beside it the live count of the
 * rules as they are (asked for 400 ms after the last change). `segment` is null for a new one.
 */
function SegmentForm({ segment, fields }: { segment: Segment | null; fields: SegmentField[] }) {
  const { t } = useTranslation(['segments', 'shell']);
  const fmt = useFormat();
  const navigate = useNavigate();
  const can = useCan();
  const manage = can('segments.manage');
  const save = useSaveSegment(segment?.id ?? null);
  const [name, setName] = useState(segment?.name ?? '');
  const [description, setDescription] = useState(segment?.description ?? '');
  const [schedule, setSchedule] = useState<SegmentSchedule>(segment?.schedule ?? 'daily');
  const [draft, setDraft] = useState<RulesDraft>(() => draftOf(segment?.rules));
  const [tried, setTried] = useState(false);
  const fieldMap = useMemo(() => new Map(fields.map((f) => [f.key, f])), [fields]);
  const built = useMemo(() => rulesOf(draft, fieldMap), [draft, fieldMap]);
  const rulesJson = JSON.stringify(built.rules);
  // A string, so that the same rules are the same value: the count is asked for once they stop changing.
  const [settledJson] = useDebouncedValue(rulesJson, 400);
  const settled = useMemo(() => JSON.parse(settledJson) as SegmentRules, [settledJson]);
  const preview = useSegmentPreview(settled, true);

  // The server names a wrong rule by its path; a save's messages, else the live count's (for the rules on screen).
  const problem = save.error ?? (settledJson === rulesJson ? preview.error : null);
  const { byRow, unplaced } = ruleErrorsOf(isApiError(problem) ? problem.errors : [], built.paths);
  const missingName = tried && !name.trim();
  // The rows show their own messages; the form's alert lists only the others.
  const shownFields = [
    'name',
    'description',
    ...(isApiError(save.error) ? save.error.errors.map((e) => e.field) : []).filter(
      (field) => !unplaced.some((u) => u.field === field),
    ),
  ];

  const changeRules = (next: RulesDraft) => {
    setDraft(next);
    if (save.error) save.reset();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!name.trim() || built.missing.size > 0) return;
    save.mutate(
      { name: name.trim(), description: description.trim() || null, rules: built.rules, schedule },
      {
        onSuccess: (saved) => {
          notifySaved(segment ? t('editor.saved') : t('editor.created'));
          setTried(false);
          if (!segment) void navigate({ to: '/segments/$id', params: { id: saved.id }, replace: true });
        },
      },
    );
  };
  const incomplete = tried && built.missing.size > 0;
  return (
    <form onSubmit={submit} noValidate data-testid="segment-form">
      {/* Someone who may only read a segment sees the same form, every input of it disabled. */}
      <fieldset disabled={!manage} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 7, lg: 8 }}>
            <Stack gap="md">
              <Card withBorder>
                <Stack gap="sm">
                  <Title order={2} size="h4">
                    {t('editor.details')}
                  </Title>
                  <TextInput
                    label={t('editor.name')}
                    value={name}
                    onChange={(e) => setName(e.currentTarget.value)}
                    maxLength={120}
                    required
                    error={missingName ? t('shell:app.required') : topFieldError(save.error, 'name')}
                    data-testid="segment-name"
                  />
                  <Textarea
                    label={t('editor.description')}
                    description={t('editor.descriptionHelp')}
                    value={description}
                    onChange={(e) => setDescription(e.currentTarget.value)}
                    maxLength={1000}
                    autosize
                    minRows={2}
                    error={topFieldError(save.error, 'description')}
                    data-testid="segment-description"
                  />
                  <Select
                    label={t('editor.schedule')}
                    description={t('editor.scheduleHelp')}
                    data={schedules.map((s) => ({ value: s, label: t(`schedules.${s}`) }))}
                    value={schedule}
                    onChange={(v) => setSchedule(schedules.find((s) => s === v) ?? schedule)}
                    allowDeselect={false}
                    data-testid="segment-schedule"
                  />
                </Stack>
              </Card>
              <Card withBorder>
                <Stack gap="sm">
                  <Title order={2} size="h4">
                    {t('editor.rules')}
                  </Title>
                  <RuleBuilder
                    draft={draft}
                    fields={fields}
                    errors={byRow}
                    missing={tried ? built.missing : null}
                    onChange={changeRules}
                  />
                </Stack>
              </Card>
              {incomplete ? (
                <Alert color="red" variant="light" role="alert" data-testid="segment-incomplete">
                  {t('editor.incomplete')}
                </Alert>
              ) : null}
              {unplaced.length > 0 && !save.error ? (
                <Alert color="red" variant="light" data-testid="segment-rules-error">
                  {unplaced.map((e) => e.message).join(' · ')}
                </Alert>
              ) : null}
              <FormAlert error={save.error} fields={shownFields} testId="segment-error" />
              {manage ? (
                <Group gap="sm">
                  <Button type="submit" loading={save.isPending} data-testid="segment-save">
                    {segment ? t('editor.save') : t('editor.create')}
                  </Button>
                  {/* The count again beside the button, where a phone shows it before the preview below. */}
                  {preview.data && !preview.isError ? (
                    <Text size="sm" c="dimmed" data-testid="segment-count-inline">
                      {t('preview.count', { count: preview.data.count, n: fmt.number(preview.data.count) })}
                    </Text>
                  ) : null}
                </Group>
              ) : null}
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 5, lg: 4 }}>
            <div style={{ position: 'sticky', top: 72 }}>
              <PreviewCard preview={preview} partial={built.missing.size > 0} />
            </div>
          </Grid.Col>
        </Grid>
      </fieldset>
    </form>
  );
}

function NewSegment() {
  const { t } = useTranslation('segments');
  const fields = useSegmentFields();
  return (
    <Stack gap="md" data-testid="segment-new">
      <BackLink />
      <PageTitle>{t('editor.newTitle')}</PageTitle>
      {fields.isPending ? <PageLoader /> : null}
      {fields.isError ? <QueryError error={fields.error} onRetry={() => void fields.refetch()} /> : null}
      {fields.data ? <SegmentForm segment={null} fields={fields.data.items} /> : null}
    </Stack>
  );
}

function SavedSegment() {
  const { t } = useTranslation('segments');
  const can = useCan();
  const manage = can('segments.manage');
  const { id } = route.useParams();
  const query = useSegment(id);
  const fields = useSegmentFields();
  if (query.isPending || fields.isPending) return <PageLoader />;
  if (query.isError) {
    if (query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400)) {
      return (
        <Stack gap="md">
          <BackLink />
          <EmptyBlock title={t('editor.notFound')} text={t('editor.notFoundText')} testId="segment-missing" pageTitle />
        </Stack>
      );
    }
    return (
      <Stack gap="md">
        <BackLink />
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  if (fields.isError) return <QueryError error={fields.error} onRetry={() => void fields.refetch()} />;
  const segment = query.data;
  return (
    <Stack gap="md" data-testid="segment-page" data-segment-id={segment.id}>
      <BackLink />
      <SavedHeader segment={segment} manage={manage} />
      {manage ? null : (
        <Text size="sm" c="dimmed">
          {t('editor.readOnly')}
        </Text>
      )}
      <SegmentForm key={segment.id} segment={segment} fields={fields.data.items} />
      <MembersCard segmentId={segment.id} />
    </Stack>
  );
}

/** A new segment: its details and rules, with the live count as the rules are built. */
export const NewSegmentPage = withPermission('segments.manage', NewSegment);
/** A saved segment: its form, its count, refresh and delete, and its members. */
export const SegmentPage = withPermission('segments.read', SavedSegment);
