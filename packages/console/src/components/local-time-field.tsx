import { Input, Label, Text, TextField } from 'react-aria-components'

/**
 * A date and time in the user's local time zone (the browser's own `datetime-local` control,
 * which keyboards and screen readers know), for expiries and report windows.
 *
 * @param props.label The field's label.
 * @param props.value `YYYY-MM-DDTHH:mm` as the control gives it, or `''`.
 * @param props.onChange Called with the new value.
 */
export function LocalTimeField(props: {
  label: string
  value: string
  onChange: (value: string) => void
  description?: string
  isRequired?: boolean
}) {
  return (
    <TextField
      className="field"
      value={props.value}
      onChange={props.onChange}
      type="datetime-local"
      isRequired={props.isRequired ?? false}
    >
      <Label>{props.label}</Label>
      <Input step={1} />
      {props.description === undefined ? null : (
        <Text slot="description" className="muted">
          {props.description}
        </Text>
      )}
    </TextField>
  )
}

/** A `datetime-local` value as an RFC 3339 instant (UTC), or `undefined` when empty. */
export function toInstant(local: string): string | undefined {
  if (local === '') return undefined
  const date = new Date(local)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** An instant as a `datetime-local` value in the browser's time zone, to the second. */
export function toLocalInput(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`
}
