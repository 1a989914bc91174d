import {
  Alert,
  Anchor,
  Button,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isApiError } from '../../api.ts';
import { FormAlert, notifySaved } from '../../components/errors.tsx';
import { type LocalErrors, useForm } from '../../components/forms.ts';
import { ModalActions } from '../../components/modal-actions.tsx';
import { customerName, formatPhone } from '../../format.ts';
import {
  type Channel,
  type Customer,
  channels,
  customerKeys,
  type LifecycleStage,
  lifecycleStages,
  useBranches,
} from './customers-api.ts';

type FormState = {
  firstName: string;
  lastName: string;
  firstNameLatin: string;
  lastNameLatin: string;
  phone: string;
  email: string;
  birthday: string;
  street: string;
  city: string;
  zip: string;
  externalId: string;
  tags: string[];
  lifecycleStage: LifecycleStage;
  preferredChannel: Channel | null;
  homeBranchId: string | null;
};

/** The form's text fields, each labelled by its own key in customerForm. */
const textFields = [
  'firstName',
  'lastName',
  'firstNameLatin',
  'lastNameLatin',
  'phone',
  'email',
  'birthday',
  'street',
  'city',
  'zip',
  'externalId',
] as const;
type TextField = (typeof textFields)[number];

function toForm(c: Customer | undefined): FormState {
  return {
    firstName: c?.firstName ?? '',
    lastName: c?.lastName ?? '',
    firstNameLatin: c?.firstNameLatin ?? '',
    lastNameLatin: c?.lastNameLatin ?? '',
    phone: c?.phone ? formatPhone(c.phone) : '',
    email: c?.email ?? '',
    birthday: c?.birthday ?? '',
    street: c?.address?.street ?? '',
    city: c?.address?.city ?? '',
    zip: c?.address?.zip ?? '',
    externalId: c?.externalId ?? '',
    tags: c?.tags ?? [],
    lifecycleStage: c?.lifecycleStage ?? 'lead',
    preferredChannel: c?.preferredChannel ?? null,
    homeBranchId: c?.homeBranchId ?? null,
  };
}

const orNull = (s: string) => (s.trim() ? s.trim() : null);

function toBody(f: FormState, creating: boolean): Record<string, unknown> {
  const address =
    f.street.trim() || f.city.trim() || f.zip.trim()
      ? { street: orNull(f.street), city: orNull(f.city), zip: orNull(f.zip) }
      : null;
  const body: Record<string, unknown> = {
    firstName: orNull(f.firstName),
    lastName: orNull(f.lastName),
    firstNameLatin: orNull(f.firstNameLatin),
    lastNameLatin: orNull(f.lastNameLatin),
    phone: orNull(f.phone),
    email: orNull(f.email),
    birthday: orNull(f.birthday),
    address,
    externalId: orNull(f.externalId),
    tags: f.tags,
    lifecycleStage: f.lifecycleStage,
    preferredChannel: f.preferredChannel,
    homeBranchId: f.homeBranchId,
  };
  if (creating) {
    // A new customer sends only what was filled in.
    for (const [key, value] of Object.entries(body)) {
      if (value === null || (Array.isArray(value) && value.length === 0)) delete body[key];
    }
  }
  return body;
}

export function CustomerFormModal({
  opened,
  onClose,
  customer,
}: {
  opened: boolean;
  onClose: () => void;
  customer?: Customer;
}) {
  const { t, i18n } = useTranslation(['customers', 'shell']);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const branches = useBranches();
  const creating = !customer;
  const isPhone = useMediaQuery('(max-width: 36em)') ?? false;
  const form = useForm<FormState>(() => toForm(customer));
  const { values, set, setValues, setLocal } = form;

  const mutation = useMutation({
    mutationFn: ({ body, allowDuplicate }: { body: Record<string, unknown>; allowDuplicate: boolean }) =>
      customer
        ? api<Customer>(`/customers/${customer.id}`, { method: 'PATCH', body })
        : api<Customer>('/customers', {
            method: 'POST',
            body,
            query: allowDuplicate ? { allowDuplicate: 'true' } : {},
          }),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: customerKeys.all });
      void queryClient.invalidateQueries({ queryKey: ['tags'] });
      onClose();
      if (creating) {
        notifySaved(t('customerForm.created'));
        await navigate({ to: '/customers/$id', params: { id: saved.id } });
      } else {
        notifySaved(t('shell:app.saved'));
      }
    },
  });
  const { reset } = mutation;

  useEffect(() => {
    if (opened) {
      setValues(toForm(customer));
      setLocal({});
      reset();
    }
  }, [opened, customer, reset, setValues, setLocal]);

  const validate = (): boolean => {
    const errors: LocalErrors = {};
    const hasIdentity = [
      values.firstName,
      values.lastName,
      values.firstNameLatin,
      values.lastNameLatin,
      values.phone,
      values.email,
    ].some((v) => v.trim());
    if (!hasIdentity) errors.firstName = t('customerForm.needContact');
    if (values.email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email.trim()))
      errors.email = t('customerForm.invalidEmail');
    setLocal(errors);
    return Object.keys(errors).length === 0;
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (validate()) mutation.mutate({ body: toBody(values, creating), allowDuplicate: false });
  };

  const error = mutation.error;
  const err = (field: string) => form.errorOf(error, field);
  const textField = (key: TextField) => ({ label: t(`customerForm.${key}`), ...form.field(key, error) });
  const duplicates =
    isApiError(error) && error.code === 'CUSTOMER.DUPLICATE' && Array.isArray(error.body.duplicates)
      ? (error.body.duplicates as Customer[])
      : null;

  const fields = [...textFields, 'tags'];

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={<Text fw={700}>{creating ? t('customerForm.title') : t('customerForm.editTitle')}</Text>}
      size="lg"
      fullScreen={isPhone}
      data-testid="customer-form-modal"
    >
      <form onSubmit={submit} data-testid="customer-form" noValidate>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
            <TextInput {...textField('firstName')} data-testid="customer-first-name" data-autofocus />
            <TextInput {...textField('lastName')} data-testid="customer-last-name" />
            <TextInput {...textField('firstNameLatin')} dir="ltr" data-testid="customer-first-name-latin" />
            <TextInput {...textField('lastNameLatin')} dir="ltr" data-testid="customer-last-name-latin" />
            <TextInput
              {...textField('phone')}
              placeholder={t('customerForm.phonePlaceholder')}
              type="tel"
              dir="ltr"
              data-testid="customer-phone"
            />
            <TextInput {...textField('email')} type="email" dir="ltr" data-testid="customer-email" />
            <TextInput {...textField('birthday')} type="date" data-testid="customer-birthday" />
            <Select
              label={t('customerForm.stage')}
              data={lifecycleStages.map((s) => ({ value: s, label: t(`stages.${s}`) }))}
              value={values.lifecycleStage}
              onChange={(v) => v && set('lifecycleStage', v as LifecycleStage)}
              allowDeselect={false}
              error={err('lifecycleStage')}
              data-testid="customer-stage"
            />
          </SimpleGrid>
          <TagsInput
            label={t('customerForm.tags')}
            placeholder={t('customerForm.tagsPlaceholder')}
            value={values.tags}
            onChange={(v) => set('tags', v)}
            error={err('tags')}
            clearable
            data-testid="customer-tags"
          />
          <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
            <TextInput {...textField('street')} />
            <TextInput {...textField('city')} data-testid="customer-city" />
            <TextInput {...textField('zip')} dir="ltr" />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="sm">
            <Select
              label={t('customerForm.preferredChannel')}
              data={channels.map((c) => ({ value: c, label: t(`channels.${c}`) }))}
              value={values.preferredChannel}
              onChange={(v) => set('preferredChannel', v as Channel | null)}
              clearable
              error={err('preferredChannel')}
            />
            <Select
              label={t('customerForm.branch')}
              data={(branches.data?.items ?? []).map((b) => ({ value: b.id, label: b.name }))}
              value={values.homeBranchId}
              onChange={(v) => set('homeBranchId', v)}
              clearable
              error={err('homeBranchId')}
            />
            <TextInput {...textField('externalId')} dir="ltr" />
          </SimpleGrid>
          {duplicates ? (
            <Alert
              color="orange"
              variant="light"
              title={t('customerForm.duplicateTitle')}
              data-testid="duplicate-warning"
            >
              <Stack gap="xs">
                <Text size="sm">{t('customerForm.duplicateText')}</Text>
                <Stack gap={4}>
                  {duplicates.map((d) => (
                    <Anchor
                      key={d.id}
                      onClick={onClose}
                      data-testid="duplicate-link"
                      renderRoot={(props) => <Link {...props} to="/customers/$id" params={{ id: d.id }} />}
                    >
                      {customerName(d, i18n.language) || t('customers.unnamed')}
                      {d.phone ? (
                        <>
                          {' · '}
                          <span className="ltr-value">{formatPhone(d.phone)}</span>
                        </>
                      ) : null}
                      {d.email ? (
                        <>
                          {' · '}
                          <span className="ltr-value">{d.email}</span>
                        </>
                      ) : null}
                    </Anchor>
                  ))}
                </Stack>
                <Group>
                  <Button
                    color="orange"
                    variant="light"
                    onClick={() => mutation.mutate({ body: toBody(values, true), allowDuplicate: true })}
                    loading={mutation.isPending}
                    data-testid="create-anyway"
                  >
                    {t('customerForm.createAnyway')}
                  </Button>
                </Group>
              </Stack>
            </Alert>
          ) : (
            <FormAlert error={error} fields={fields} />
          )}
          <ModalActions onCancel={onClose}>
            <Button type="submit" loading={mutation.isPending} data-testid="customer-submit">
              {creating ? t('shell:app.create') : t('shell:app.save')}
            </Button>
          </ModalActions>
        </Stack>
      </form>
    </Modal>
  );
}
