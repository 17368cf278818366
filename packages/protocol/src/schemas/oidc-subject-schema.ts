import { Type } from 'typebox'

/** An OIDC subject (`sub`): OpenID Connect Core §2 allows up to 255 ASCII characters. */
export const OidcSubjectSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x20-\\x7e]+$',
  description: "the OIDC account's sub, as the issuer spells it (case-sensitive)",
})
