import { describe, expect, it } from 'vitest'
import { routeLines, routeTarget } from '../src/light.js'

describe('building a request to a route', () => {
  it('fills each path parameter as one percent-encoded segment', () => {
    expect(routeTarget(routeLines.getPolicy.url, { params: { id: 'p/1?x#y' } })).toBe(
      '/v1/policies/p%2F1%3Fx%23y',
    )
    expect(routeTarget(routeLines.disableUser.url, { params: { email: 'a+b@x.example' } })).toBe(
      '/v1/users/a%2Bb%40x.example/disable',
    )
  })

  it('refuses a missing path parameter instead of sending an empty segment', () => {
    expect(() => routeTarget(routeLines.getPolicy.url, {})).toThrow(TypeError)
    expect(() => routeTarget(routeLines.getPolicy.url, { params: { other: 'x' } })).toThrow(
      /no value for :id/,
    )
  })

  it('sends the query members it is given, in order, leaving out only undefined ones', () => {
    const target = routeTarget(routeLines.listPolicies.url, {
      query: { prefix: 'a b&c', cursor: undefined, owner: '' },
    })
    expect(target).toBe('/v1/policies?prefix=a%20b%26c&owner=')
    expect(routeTarget(routeLines.listPolicies.url, { query: { cursor: undefined } })).toBe(
      '/v1/policies',
    )
    expect(routeTarget(routeLines.health.url)).toBe('/healthz')
  })
})
