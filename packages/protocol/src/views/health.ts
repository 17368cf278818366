import { type Static, Type } from 'typebox'

/** The schema of {@link Health}. */
export const HealthSchema = Type.Object({ status: Type.Literal('ok') })

/** `GET /healthz` when the database answers. */
export type Health = Static<typeof HealthSchema>
