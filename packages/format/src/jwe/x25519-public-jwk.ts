/** An X25519 public key as a JWK (RFC 8037): the form key servers publish in their JWKS. */
export interface X25519PublicJwk {
  readonly kty: 'OKP'
  readonly crv: 'X25519'
  readonly x: string
  readonly kid?: string
}
