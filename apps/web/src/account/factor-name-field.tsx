import { Field } from '../ui/field';

/** The name a second factor is listed under, so that a person can tell theirs apart. */
export function FactorNameField({
  value,
  onChange,
  example,
}: {
  value: string;
  onChange: (value: string) => void;
  /** Shown in the hint, e.g. "“Work phone”". */
  example: string;
}) {
  return (
    <Field label="Name" hint={`To tell them apart, e.g. ${example}.`}>
      {(c) => (
        <input {...c} maxLength={60} value={value} onChange={(e) => onChange(e.target.value)} />
      )}
    </Field>
  );
}
