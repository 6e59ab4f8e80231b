import { useEffect, useRef, useState, type FormEvent } from 'react';
import { describeError } from '../api/errors';

/**
 * State of a one-field form that opens in place of a table row's button ("Set password",
 * "Erase data…"): focus moves to the field when it opens and back to the button when it
 * closes (Escape or Cancel), and a failed save keeps the form open with the error.
 */
export function useInlineForm(
  save: (value: string) => Promise<void>,
  { refocusAfterSave = false }: { refocusAfterSave?: boolean } = {},
) {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  const reset = () => {
    setOpen(false);
    setValue('');
    setError(undefined);
  };

  /** Close and give focus back to the button that opened the form. */
  const close = () => {
    reset();
    setTimeout(() => openRef.current?.focus(), 0);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    try {
      await save(value);
      if (refocusAfterSave) close();
      else reset();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setPending(false);
    }
  };

  /** Escape in the field cancels, as the Cancel button does. */
  const onKeyDown = (e: { key: string }) => {
    if (e.key === 'Escape') close();
  };

  return {
    open,
    setOpen,
    value,
    setValue,
    error,
    pending,
    inputRef,
    openRef,
    close,
    submit,
    onKeyDown,
  };
}
