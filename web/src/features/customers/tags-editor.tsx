import { ActionIcon, Button, Popover, Stack, TagsInput, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { FormAlert, notifySaved } from '../../components/errors.tsx';
import { Icon } from '../../components/icons.tsx';
import { ModalActions } from '../../components/modal-actions.tsx';
import { type Customer, customerKeys, useTags } from './customers-api.ts';

/** Tags on the customer page, for whoever may tag (marketers too, who do not edit profiles). */
export function TagsEditor({ customer }: { customer: Customer }) {
  const { t } = useTranslation(['customers', 'shell']);
  const queryClient = useQueryClient();
  const known = useTags();
  const [opened, setOpened] = useState(false);
  const [tags, setTags] = useState<string[]>(customer.tags);
  const save = useMutation({
    mutationFn: (next: string[]) =>
      api<Customer>(`/customers/${customer.id}/tags`, { method: 'PUT', body: { tags: next } }),
    onSuccess: async () => {
      setOpened(false);
      notifySaved(t('tags.saved'));
      await queryClient.invalidateQueries({ queryKey: customerKeys.all });
      await queryClient.invalidateQueries({ queryKey: ['tags'] });
    },
  });
  return (
    <Popover
      opened={opened}
      onChange={setOpened}
      position="bottom-start"
      width={320}
      withArrow
      // The focus moves into the editor (Escape closes it, Tab stays in it) and back to the button after.
      trapFocus
      returnFocus
      onOpen={() => setTags(customer.tags)}
    >
      <Popover.Target>
        <Tooltip label={t('tags.edit')}>
          <ActionIcon
            variant="subtle"
            size="sm"
            aria-label={t('tags.edit')}
            onClick={() => setOpened((o) => !o)}
            data-testid="edit-tags"
          >
            <Icon name="edit" size={14} />
          </ActionIcon>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown>
        {/* The editor itself takes the focus, not the field, whose suggestion list would cover the buttons. */}
        <Stack gap="sm" tabIndex={-1} data-autofocus style={{ outline: 'none' }}>
          <TagsInput
            label={t('tags.label')}
            description={t('tags.hint')}
            data={known.data?.items.map((k) => k.tag) ?? []}
            value={tags}
            onChange={setTags}
            maxTags={50}
            clearable
            data-testid="tags-input"
          />
          <FormAlert error={save.error} fields={['tags']} />
          <ModalActions onCancel={() => setOpened(false)} size="xs" gap="xs">
            <Button size="xs" loading={save.isPending} onClick={() => save.mutate(tags)} data-testid="tags-save">
              {t('shell:app.save')}
            </Button>
          </ModalActions>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
