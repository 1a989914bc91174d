import { useMutation } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type TextKeys, useForm } from '../../components/forms.ts';
import { type Session, useAcceptSession } from '../../session.ts';

/**
 * A form that ends signed in (log in, set up the business, accept an invitation): its values and messages, and
 * the request that brings the session, which is kept before the app opens at `to`.
 */
export function useSessionForm<V extends object, Body>(initial: V, send: (body: Body) => Promise<Session>, to: string) {
  const form = useForm(initial);
  const navigate = useNavigate();
  const accept = useAcceptSession();
  const mutation = useMutation({
    mutationFn: send,
    onSuccess: async (session) => {
      accept(session);
      await navigate({ to });
    },
  });
  return {
    ...form,
    mutation,
    /** A text field's value, change handler and message (its own, else the server's). */
    field: <K extends TextKeys<V>>(key: K) => form.field(key, mutation.error),
  };
}
