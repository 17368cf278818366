import { type Static, Type } from 'typebox'
import { TokenViewSchema } from './token-view.js'

/** The schema of {@link TokenList}. */
export const TokenListSchema = Type.Object({ tokens: Type.Array(TokenViewSchema) })

/** A user's API tokens (`GET /v1/tokens`). */
export type TokenList = Static<typeof TokenListSchema>
