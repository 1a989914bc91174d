import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { CopyField } from '../../components/copy-field.tsx';
import { EmptyBlock, FormAlert, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { DataTable } from '../../components/lists.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useCan } from '../../session.ts';
import {
  type ContestDetail,
  useContest,
  useContestEntries,
  useDecideContest,
  useSetContestStatus,
  useVerifyContest,
} from './contests-api.ts';
import { ContestLawNotice } from './contests-notice.tsx';
import { ContestStatusBadge } from './contests-page.tsx';
import { useProgram } from './loyalty-api.ts';
import { useLoyaltyFormat } from './loyalty-format.ts';

const route = getRouteApi('/_app/loyalty/contests/$id');

function Conditions({ contest }: { contest: ContestDetail }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const program = useProgram();
  const tierNames = contest.tierIds.map((id) => program.data?.tiers.find((tier) => tier.id === id)?.name ?? id);
  const lines: string[] = [];
  if (tierNames.length > 0) lines.push(t('contests.page.tiersOnly', { tiers: tierNames.join(', ') }));
  if (contest.minLifetimePoints !== null)
    lines.push(t('contests.page.minLifetime', { points: lf.number(contest.minLifetimePoints) }));
  if (contest.minAvailablePoints !== null)
    lines.push(t('contests.page.minAvailable', { points: lf.number(contest.minAvailablePoints) }));
  if (contest.joinedBefore) lines.push(t('contests.page.joinedBefore', { date: lf.date(contest.joinedBefore) }));
  if (lines.length === 0) lines.push(t('contests.page.everyMember'));
  lines.push(
    contest.entryCostPoints > 0
      ? t('contests.page.entryCost', { points: lf.number(contest.entryCostPoints) })
      : t('contests.page.free'),
  );
  return (
    <Card withBorder>
      <Stack gap={6}>
        <Title order={2} size="h4">
          {t('contests.page.conditions')}
        </Title>
        {lines.map((line) => (
          <Text size="sm" key={line}>
            {line}
          </Text>
        ))}
        {contest.kind === 'draw' && contest.entryCostPoints === 0 ? (
          <Text size="xs" c="dimmed">
            {t('contests.page.freeDraw')}
          </Text>
        ) : null}
        {contest.kind === 'skill' ? (
          <>
            <Text size="sm" fw={600} mt="xs">
              {t('contests.page.question')}
            </Text>
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {/* Its own direction, in a line that keeps the page's side. */}
              <span dir="auto">{contest.question}</span>
            </Text>
          </>
        ) : null}
      </Stack>
    </Card>
  );
}

function Record({ contest }: { contest: ContestDetail }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const verify = useVerifyContest(contest.id);
  const [showEntrants, setShowEntrants] = useState(false);
  const result = contest.result;
  if (!result) {
    return (
      <Card withBorder>
        <Text size="sm" c="dimmed" data-testid="contest-undecided">
          {t('contests.page.notDecided')}
        </Text>
      </Card>
    );
  }
  return (
    <Card withBorder data-testid="contest-record">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('contests.page.record')}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <Stack gap={2}>
            <Text size="xs" c="dimmed">
              {t('contests.page.entrantsCount')}
            </Text>
            <Text size="sm" fw={600} data-testid="contest-entrants-count">
              {lf.number(result.entrantsCount)}
            </Text>
          </Stack>
          <Stack gap={2}>
            <Text size="xs" c="dimmed">
              {t('contests.page.procedure')}
            </Text>
            <Text size="sm">{t(`contests.page.procedures.${result.procedure}`)}</Text>
          </Stack>
        </SimpleGrid>
        <Text size="sm">
          {t('contests.page.decided', { name: lf.inline(result.decidedBy), date: lf.dateTime(result.decidedAt) })}
        </Text>
        {result.seed ? (
          <Stack gap={4}>
            <Text size="xs" c="dimmed">
              {t('contests.page.seed')}
            </Text>
            <CopyField
              value={result.seed}
              label={t('contests.page.seed')}
              testId="contest-seed"
              copyTestId="contest-seed-copy"
              monospace
            />
          </Stack>
        ) : null}
        <Stack gap={4}>
          <Text size="xs" c="dimmed">
            {t('contests.page.digest')}
          </Text>
          <Code className="ltr-value" style={{ wordBreak: 'break-all' }}>
            {result.entrantsDigest}
          </Code>
        </Stack>
        <DataTable
          columns={[
            { label: t('contests.page.place'), w: 1 },
            t('contests.page.member'),
            ...(result.procedure === 'judged' ? [t('contests.page.note')] : []),
          ]}
          minWidth={300}
          data-testid="contest-winners"
        >
          {result.winners.map((w) => (
            <Table.Tr key={w.customerId} data-testid="contest-winner">
              <Table.Td>{lf.number(w.rank)}</Table.Td>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {w.name || t('contests.page.unnamed')}
                </Text>
                {/* The id isolated left to right in a line that keeps the page's side; it may break anywhere on a phone. */}
                <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
                  <Text span inherit className="ltr-value" ff="monospace">
                    {w.customerId}
                  </Text>
                </Text>
              </Table.Td>
              {result.procedure === 'judged' ? (
                <Table.Td>
                  <Text size="sm">{w.note}</Text>
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </DataTable>
        {result.procedure !== 'judged' ? (
          <Group gap="sm" align="flex-start">
            <Button
              variant="light"
              onClick={() => verify.mutate()}
              loading={verify.isPending}
              data-testid="contest-verify"
            >
              {t('contests.page.verify')}
            </Button>
            {verify.data ? (
              <Alert
                color={verify.data.matches ? 'teal' : 'red'}
                variant="light"
                style={{ flex: 1, minWidth: 240 }}
                data-testid="contest-verify-result"
                data-matches={verify.data.matches}
              >
                {verify.data.matches ? t('contests.page.verifyOk') : t('contests.page.verifyBad')}
              </Alert>
            ) : null}
          </Group>
        ) : null}
        {verify.error ? <FormAlert error={verify.error} /> : null}
        <Anchor
          component="button"
          type="button"
          size="sm"
          onClick={() => setShowEntrants((s) => !s)}
          style={{ alignSelf: 'flex-start' }}
        >
          {showEntrants ? t('contests.page.hideEntrants') : t('contests.page.showEntrants')}
        </Anchor>
        {showEntrants ? (
          <Stack gap={4}>
            <Text size="xs" c="dimmed">
              {t('contests.page.entrants')}
            </Text>
            <Code
              block
              className="ltr-value"
              data-testid="contest-entrants"
              style={{ maxHeight: 260, overflow: 'auto' }}
            >
              {contest.entrants.join('\n')}
            </Code>
          </Stack>
        ) : null}
      </Stack>
    </Card>
  );
}

/** A skill contest's answers; before it is decided, staff tick the winners in order and write a note for each. */
function Answers({ contest, judging }: { contest: ContestDetail; judging: boolean }) {
  const { t } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const entries = useContestEntries(contest.id, true);
  const decide = useDecideContest(contest.id);
  const [picked, setPicked] = useState<string[]>([]);
  const [notes, setNotes] = useState<Record<string, string>>({});
  const items = entries.data?.items ?? [];
  const toggle = (id: string, on: boolean) =>
    setPicked((p) => (on ? (p.length < contest.winnersCount ? [...p, id] : p) : p.filter((x) => x !== id)));
  const submit = () =>
    decide.mutate(
      picked.map((customerId) => ({ customerId, note: (notes[customerId] ?? '').trim() })),
      { onSuccess: () => notifySaved(t('contests.page.judged')) },
    );
  const ready = picked.length > 0 && picked.every((id) => (notes[id] ?? '').trim().length > 0);
  if (entries.isPending) return <PageLoader />;
  if (entries.isError) return <QueryError error={entries.error} onRetry={() => void entries.refetch()} />;
  return (
    <Card withBorder data-testid="contest-answers">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('contests.page.answers')}
        </Title>
        {items.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('contests.page.noEntries')}
          </Text>
        ) : (
          <>
            {judging ? (
              <Text size="sm" c="dimmed">
                {t('contests.page.judgeHelp', { count: contest.winnersCount })}
              </Text>
            ) : null}
            <DataTable
              columns={[
                ...(judging ? [{ label: t('contests.page.pick'), w: 1 }] : []),
                t('contests.page.member'),
                t('contests.page.answer'),
                t('contests.page.enteredAt'),
              ]}
              minWidth={600}
              data-testid="contest-entries"
            >
              {items.map((entry) => {
                const place = picked.indexOf(entry.customerId);
                return (
                  <Table.Tr key={entry.customerId} data-testid="contest-entry">
                    {judging ? (
                      <Table.Td>
                        <Checkbox
                          checked={place >= 0}
                          onChange={(e) => toggle(entry.customerId, e.currentTarget.checked)}
                          aria-label={t('contests.page.pick')}
                          label={place >= 0 ? lf.number(place + 1) : undefined}
                        />
                      </Table.Td>
                    ) : null}
                    <Table.Td>
                      <Text size="sm">{entry.name || t('contests.page.unnamed')}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                        {/* Its own direction, in a line that keeps the page's side. */}
                        <span dir="auto">{entry.answer}</span>
                      </Text>
                      {judging && place >= 0 ? (
                        <Textarea
                          mt={6}
                          size="xs"
                          rows={2}
                          label={t('contests.page.note')}
                          value={notes[entry.customerId] ?? ''}
                          onChange={(e) => {
                            const value = e.currentTarget.value;
                            setNotes((n) => ({ ...n, [entry.customerId]: value }));
                          }}
                          maxLength={1000}
                          required
                          data-testid="contest-judge-note"
                        />
                      ) : null}
                    </Table.Td>
                    <Table.Td className="nowrap">{lf.date(entry.enteredAt)}</Table.Td>
                  </Table.Tr>
                );
              })}
            </DataTable>
            {judging ? (
              <Group>
                <Button onClick={submit} disabled={!ready} loading={decide.isPending} data-testid="contest-judge">
                  {t('contests.page.judge')}
                </Button>
              </Group>
            ) : null}
            <FormAlert error={decide.error} />
          </>
        )}
      </Stack>
    </Card>
  );
}

function ContestView() {
  const { t, i18n } = useTranslation('loyalty');
  const lf = useLoyaltyFormat();
  const can = useCan();
  const manage = can('loyalty.manage');
  const { id } = route.useParams();
  const query = useContest(id);
  const decide = useDecideContest(id);
  const setStatus = useSetContestStatus(id);
  const [confirming, setConfirming] = useState(false);
  const back = (
    <Anchor component={Link} to="/loyalty/contests" size="sm">
      {i18n.dir() === 'rtl' ? '→' : '←'} {t('contests.title')}
    </Anchor>
  );
  if (query.isPending) return <PageLoader />;
  if (query.isError) {
    if (query.error instanceof ApiError && query.error.status === 404) {
      return (
        <Stack gap="md">
          {back}
          <EmptyBlock
            title={t('contests.page.notFound')}
            text={t('contests.page.notFoundText')}
            testId="contest-missing"
            pageTitle
          />
        </Stack>
      );
    }
    return (
      <Stack gap="md">
        {back}
        <QueryError error={query.error} onRetry={() => void query.refetch()} />
      </Stack>
    );
  }
  const contest = query.data;
  const undecided = contest.result === null;
  const started = new Date(contest.opensAt).getTime() <= Date.now();
  return (
    <Stack gap="md" data-testid="loyalty-contest">
      {back}
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4}>
          <Group gap="xs">
            <PageTitle>{contest.name}</PageTitle>
            <ContestStatusBadge status={contest.status} />
          </Group>
          <Text size="sm">
            {t(`contests.kinds.${contest.kind}`)} · {t('contests.prize')}: {contest.prize}
          </Text>
          <Text size="sm" c="dimmed">
            {t('contests.dateRange', { from: lf.date(contest.opensAt), to: lf.date(contest.closesAt) })}
          </Text>
          {contest.description ? (
            <Text size="sm" maw={640} style={{ whiteSpace: 'pre-wrap' }}>
              {/* Its own direction, in a line that keeps the page's side. */}
              <span dir="auto">{contest.description}</span>
            </Text>
          ) : null}
        </Stack>
        {manage && undecided ? (
          <Group gap="xs">
            {contest.status === 'draft' ? (
              <Button variant="default" onClick={() => setStatus.mutate('open')} loading={setStatus.isPending}>
                {t('contests.page.openDraft')}
              </Button>
            ) : null}
            {contest.status === 'open' ? (
              <Button variant="default" onClick={() => setStatus.mutate('closed')} loading={setStatus.isPending}>
                {t('contests.page.closeEntries')}
              </Button>
            ) : null}
            {contest.kind === 'draw' && contest.status !== 'draft' && started ? (
              <Button onClick={() => setConfirming(true)} data-testid="contest-draw">
                {t('contests.page.draw')}
              </Button>
            ) : null}
          </Group>
        ) : null}
      </Group>
      <FormAlert error={setStatus.error} />
      <ContestLawNotice kind={contest.kind} />
      <Conditions contest={contest} />
      <Record contest={contest} />
      {contest.kind === 'skill' ? (
        <Answers contest={contest} judging={manage && undecided && contest.status !== 'draft' && started} />
      ) : null}
      <ConfirmModal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('contests.page.drawTitle')}
        text={t('contests.page.drawText')}
        error={decide.error ?? undefined}
        confirm={t('contests.page.draw')}
        color="blue"
        loading={decide.isPending}
        onConfirm={() =>
          decide.mutate(null, {
            onSuccess: () => {
              setConfirming(false);
              notifySaved(t('contests.page.drawn'));
            },
          })
        }
        confirmTestId="contest-draw-confirm"
      />
    </Stack>
  );
}

/** One contest: its conditions, its record (entrants, seed, winners, who decided when) and verifying a draw. */
export const LoyaltyContestPage = withPermission('loyalty.read', ContestView);
