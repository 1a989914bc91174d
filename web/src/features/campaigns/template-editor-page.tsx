import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Grid,
  Group,
  Radio,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, isApiError } from '../../api.ts';
import { withPermission } from '../../components/app-layout.tsx';
import { EmptyBlock, FormAlert, notifySaved, PageLoader, QueryError } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { PageTitle } from '../../components/page-title.tsx';
import { useCan } from '../../session.ts';
import { BackLink } from './campaign-parts.tsx';
import {
  type Block,
  type BlockType,
  blockTypes,
  smsParts,
  type Template,
  useSaveTemplate,
  useTemplate,
  useTemplatePreview,
} from './campaigns-api.ts';

const route = getRouteApi('/_app/campaigns/templates/$id');
const personalFields = ['{{firstName}}', '{{lastName}}', '{{fullName}}', '{{businessName}}'].join(' ');

/** The server's message for a field of the template (`subject`, `blocks.1.url`). */
function fieldError(error: unknown, field: string): string | undefined {
  if (!isApiError(error)) return undefined;
  return error.errors.find((e) => e.field === field || e.field === `body.${field}` || e.field === `/${field}`)?.message;
}

function emptyBlock(type: BlockType): Block {
  if (type === 'divider') return { type };
  if (type === 'button') return { type, text: '', url: 'https://' };
  return { type, text: '' };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The email as written so far, drawn simply (the saved template's preview is the server's, as sent). */
function draftHtml(blocks: Block[], dir: 'rtl' | 'ltr'): string {
  const body = blocks
    .map((b) => {
      if (b.type === 'heading') return `<h2 style="font-size:22px;margin:0 0 12px">${escapeHtml(b.text)}</h2>`;
      if (b.type === 'text') return `<p style="margin:0 0 12px;white-space:pre-wrap">${escapeHtml(b.text)}</p>`;
      if (b.type === 'button')
        return `<p style="margin:0 0 12px"><span style="display:inline-block;background:#4263eb;color:#fff;padding:10px 18px;border-radius:6px">${escapeHtml(b.text)}</span></p>`;
      return '<hr style="border:0;border-top:1px solid #ddd;margin:16px 0">';
    })
    .join('');
  return `<!doctype html><html dir="${dir}"><body style="font-family:Arial,sans-serif;color:#222;padding:16px;margin:0">${body}</body></html>`;
}

function EmailFrame({ html, title }: { html: string; title: string }) {
  return (
    <iframe
      srcDoc={html}
      sandbox=""
      title={title}
      style={{ width: '100%', height: 420, border: '1px solid var(--mantine-color-default-border)', borderRadius: 6 }}
      data-testid="template-preview-frame"
    />
  );
}

/** The personal fields a template may use, left to right whatever the page's direction. */
function PersonalFields() {
  const { t } = useTranslation('campaigns');
  return (
    <>
      {t('template.fields')} <span dir="ltr">{personalFields}</span>
    </>
  );
}

function SmsCounter({ text }: { text: string }) {
  const { t } = useTranslation('campaigns');
  const parts = smsParts(text);
  return (
    <Stack gap={2} data-testid="sms-counter" data-units={parts.units} data-parts={parts.segments} aria-live="polite">
      <Text size="sm" fw={600}>
        {t('template.counter', { units: parts.units, parts: t('template.parts', { count: parts.segments }) })}
      </Text>
      <Text size="xs" c="dimmed">
        {t(`template.encoding.${parts.encoding}`)}
      </Text>
    </Stack>
  );
}

function BlockRow({
  block,
  index,
  count,
  error,
  onChange,
  onMove,
  onRemove,
}: {
  block: Block;
  index: number;
  count: number;
  error: (field: string) => string | undefined;
  onChange: (b: Block) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation('campaigns');
  const n = index + 1;
  const label = t('template.blockNumber', { n, type: t(`template.blockTypes.${block.type}`) });
  return (
    <Card withBorder padding="sm" data-testid="template-block" data-type={block.type} role="group" aria-label={label}>
      <Stack gap="xs">
        <Group justify="space-between" gap="xs" wrap="nowrap">
          <Text size="sm" fw={600}>
            {label}
          </Text>
          <Group gap={4} wrap="nowrap">
            <ActionIcon
              variant="subtle"
              color="gray"
              disabled={index === 0}
              onClick={() => onMove(-1)}
              aria-label={t('template.moveUp', { n })}
              data-testid="block-up"
            >
              ↑
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="gray"
              disabled={index === count - 1}
              onClick={() => onMove(1)}
              aria-label={t('template.moveDown', { n })}
              data-testid="block-down"
            >
              ↓
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="red"
              onClick={onRemove}
              aria-label={t('template.remove', { n })}
              data-testid="block-remove"
            >
              <Icon name="trash" size={16} />
            </ActionIcon>
          </Group>
        </Group>
        {block.type === 'heading' ? (
          <TextInput
            label={t('template.blockText')}
            value={block.text}
            onChange={(e) => onChange({ ...block, text: e.currentTarget.value })}
            maxLength={300}
            error={error(`blocks.${index}.text`)}
            data-testid="block-text"
          />
        ) : null}
        {block.type === 'text' ? (
          <Textarea
            label={t('template.blockText')}
            value={block.text}
            onChange={(e) => onChange({ ...block, text: e.currentTarget.value })}
            autosize
            minRows={3}
            error={error(`blocks.${index}.text`)}
            data-testid="block-text"
          />
        ) : null}
        {block.type === 'button' ? (
          <>
            <TextInput
              label={t('template.buttonText')}
              value={block.text}
              onChange={(e) => onChange({ ...block, text: e.currentTarget.value })}
              maxLength={100}
              error={error(`blocks.${index}.text`)}
              data-testid="block-text"
            />
            <TextInput
              label={t('template.buttonUrl')}
              value={block.url}
              onChange={(e) => onChange({ ...block, url: e.currentTarget.value })}
              type="url"
              dir="ltr"
              error={error(`blocks.${index}.url`)}
              data-testid="block-url"
            />
          </>
        ) : null}
        {block.type === 'divider' ? (
          <Text size="xs" c="dimmed">
            {t('template.dividerNote')}
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}

function TemplateForm() {
  const { t, i18n } = useTranslation(['campaigns', 'shell']);
  const navigate = useNavigate();
  const save = useSaveTemplate();
  const [name, setName] = useState('');
  const [channel, setChannel] = useState<'email' | 'sms'>('email');
  const [subject, setSubject] = useState('');
  const [blocks, setBlocks] = useState<Block[]>([
    { type: 'heading', text: '' },
    { type: 'text', text: '' },
  ]);
  const [text, setText] = useState('');
  const [tried, setTried] = useState(false);
  const need = (value: string) => (tried && !value.trim() ? t('template.required') : undefined);
  const error = (field: string) => fieldError(save.error, field);

  const change = (i: number, b: Block) => setBlocks(blocks.map((x, j) => (j === i ? b : x)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...blocks];
    const [moved] = next.splice(i, 1);
    if (moved) next.splice(i + by, 0, moved);
    setBlocks(next);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!name.trim()) return;
    if (channel === 'email' && (!subject.trim() || blocks.length === 0)) return;
    if (channel === 'sms' && !text.trim()) return;
    save.mutate(
      channel === 'email'
        ? { name: name.trim(), channel, subject: subject.trim(), blocks }
        : { name: name.trim(), channel, text: text.trim() },
      {
        onSuccess: (saved) => {
          notifySaved(t('template.saved'));
          void navigate({ to: '/campaigns/templates/$id', params: { id: saved.id }, replace: true });
        },
      },
    );
  };
  const dir = i18n.dir() === 'rtl' ? 'rtl' : 'ltr';
  return (
    <form onSubmit={submit} noValidate data-testid="template-form">
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            <Card withBorder>
              <Stack gap="sm">
                <Title order={2} size="h4">
                  {t('template.details')}
                </Title>
                <TextInput
                  label={t('template.name')}
                  description={t('template.nameHelp')}
                  value={name}
                  onChange={(e) => setName(e.currentTarget.value)}
                  maxLength={120}
                  required
                  error={need(name) ?? error('name')}
                  data-testid="template-name"
                />
                <Radio.Group
                  label={t('template.channel')}
                  value={channel}
                  onChange={(v) => setChannel(v === 'sms' ? 'sms' : 'email')}
                  data-testid="template-channel"
                >
                  <Group gap="lg" mt={6}>
                    <Radio value="email" label={t('channels.email')} data-testid="template-channel-email" />
                    <Radio value="sms" label={t('channels.sms')} data-testid="template-channel-sms" />
                  </Group>
                </Radio.Group>
              </Stack>
            </Card>
            {channel === 'email' ? (
              <Card withBorder>
                <Stack gap="sm">
                  <TextInput
                    label={t('template.subject')}
                    value={subject}
                    onChange={(e) => setSubject(e.currentTarget.value)}
                    maxLength={250}
                    required
                    error={need(subject) ?? error('subject')}
                    data-testid="template-subject"
                  />
                  <Stack gap={2}>
                    <Title order={2} size="h4">
                      {t('template.blocks')}
                    </Title>
                    <Text size="xs" c="dimmed">
                      {t('template.blocksHelp')} <PersonalFields />
                    </Text>
                  </Stack>
                  {blocks.length === 0 ? (
                    <Text size="sm" c={tried ? 'red' : 'dimmed'} data-testid="template-no-blocks">
                      {tried ? t('template.needBlock') : t('template.noBlocks')}
                    </Text>
                  ) : null}
                  <Stack gap="xs" data-testid="template-blocks">
                    {blocks.map((block, i) => (
                      <BlockRow
                        // Blocks have no ids; a block's place is its identity while it is edited.
                        // biome-ignore lint/suspicious/noArrayIndexKey: see above
                        key={`${i}-${block.type}`}
                        block={block}
                        index={i}
                        count={blocks.length}
                        error={(field) => error(field)}
                        onChange={(b) => change(i, b)}
                        onMove={(by) => move(i, by)}
                        onRemove={() => setBlocks(blocks.filter((_, j) => j !== i))}
                      />
                    ))}
                  </Stack>
                  <Group gap="xs" role="group" aria-label={t('template.addLabel')}>
                    <Text size="sm" c="dimmed">
                      {t('template.addLabel')}:
                    </Text>
                    {blockTypes.map((type) => (
                      <Button
                        key={type}
                        size="xs"
                        variant="light"
                        leftSection={<Icon name="plus" size={14} />}
                        onClick={() => setBlocks([...blocks, emptyBlock(type)])}
                        data-testid={`block-add-${type}`}
                      >
                        {t(`template.add.${type}`)}
                      </Button>
                    ))}
                  </Group>
                </Stack>
              </Card>
            ) : (
              <Card withBorder>
                <Stack gap="sm">
                  <Textarea
                    label={t('template.smsText')}
                    description={<PersonalFields />}
                    value={text}
                    onChange={(e) => setText(e.currentTarget.value)}
                    autosize
                    minRows={4}
                    maxLength={1000}
                    required
                    error={need(text) ?? error('text')}
                    data-testid="template-sms-text"
                  />
                  <SmsCounter text={text} />
                </Stack>
              </Card>
            )}
            <FormAlert error={save.error} fields={['name', 'subject', 'text', 'blocks']} testId="template-error" />
            <Group>
              <Button type="submit" loading={save.isPending} data-testid="template-save">
                {t('template.save')}
              </Button>
            </Group>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder data-testid="template-preview">
            <Stack gap="sm">
              <Title order={2} size="h4">
                {t('template.preview')}
              </Title>
              <Text size="xs" c="dimmed">
                {t('template.previewDraft')}
              </Text>
              {channel === 'email' ? (
                <>
                  <Text size="sm">
                    <b>{t('template.subjectLabel')}</b> {subject}
                  </Text>
                  <EmailFrame html={draftHtml(blocks, dir)} title={t('template.frameTitle')} />
                </>
              ) : (
                <SmsBubble text={text} />
              )}
              <Alert variant="light" color="blue" data-testid="template-added-note">
                {t('template.added')}
              </Alert>
            </Stack>
          </Card>
        </Grid.Col>
      </Grid>
    </form>
  );
}

function SmsBubble({ text }: { text: string }) {
  return (
    <Card bg="var(--mantine-color-default-hover)" radius="lg" padding="sm" data-testid="template-preview-sms">
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
        {text || '…'}
      </Text>
    </Card>
  );
}

function NewTemplate() {
  const { t } = useTranslation('campaigns');
  return (
    <Stack gap="md" data-testid="template-new">
      <BackLink />
      <PageTitle>{t('template.newTitle')}</PageTitle>
      <TemplateForm />
    </Stack>
  );
}

/** A saved template: what it says, and the server's preview of it as a customer gets it. */
function SavedTemplateView({ template }: { template: Template }) {
  const { t } = useTranslation('campaigns');
  const can = useCan();
  const preview = useTemplatePreview(template.id);
  return (
    <Stack gap="md" data-testid="template-page" data-template-id={template.id}>
      <BackLink />
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4} style={{ minWidth: 0 }}>
          <PageTitle style={{ overflowWrap: 'anywhere' }}>{template.name}</PageTitle>
          <Text size="sm" c="dimmed">
            {t(`channels.${template.channel}`)}
          </Text>
        </Stack>
        {can('campaigns.manage') ? (
          <Button component={Link} to="/campaigns/new" variant="light" data-testid="template-use">
            {t('template.useIt')}
          </Button>
        ) : null}
      </Group>
      <Card withBorder data-testid="template-preview">
        <Stack gap="sm">
          <Title order={2} size="h4">
            {t('template.preview')}
          </Title>
          <Text size="xs" c="dimmed">
            {t('template.previewSent')}
          </Text>
          {preview.isPending ? <PageLoader /> : null}
          {preview.isError ? <QueryError error={preview.error} onRetry={() => void preview.refetch()} /> : null}
          {preview.data ? (
            preview.data.channel === 'email' && preview.data.html ? (
              <>
                <Text size="sm" data-testid="template-preview-subject">
                  <b>{t('template.subjectLabel')}</b> {preview.data.subject}
                </Text>
                <EmailFrame html={preview.data.html} title={t('template.frameTitle')} />
              </>
            ) : (
              <>
                <SmsBubble text={preview.data.text} />
                {preview.data.sms ? (
                  <Text size="sm" data-testid="template-preview-parts" data-parts={preview.data.sms.segments}>
                    {t('template.sentSms', {
                      units: preview.data.sms.units,
                      parts: t('template.parts', { count: preview.data.sms.segments }),
                    })}
                  </Text>
                ) : null}
              </>
            )
          ) : null}
          <Alert variant="light" color="blue">
            {t('template.added')}
          </Alert>
        </Stack>
      </Card>
    </Stack>
  );
}

function SavedTemplate() {
  const { t } = useTranslation('campaigns');
  const { id } = route.useParams();
  const query = useTemplate(id);
  if (query.isPending) return <PageLoader />;
  if (query.isError) {
    if (query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400)) {
      return (
        <Stack gap="md">
          <BackLink />
          <EmptyBlock
            title={t('template.notFound')}
            text={t('template.notFoundText')}
            testId="template-missing"
            pageTitle
          />
        </Stack>
      );
    }
    return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  }
  return <SavedTemplateView template={query.data} />;
}

/** A new template: email blocks or SMS text, with a preview as it is written. */
export const NewTemplatePage = withPermission('campaigns.manage', NewTemplate);
/** A saved template and its preview as sent. */
export const TemplatePage = withPermission('campaigns.read', SavedTemplate);
