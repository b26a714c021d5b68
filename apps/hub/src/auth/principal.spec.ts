import { describe, expect, it } from 'vitest';
import { groupsFromClaims, isAllowed, rolesFromClaims, type Principal } from './principal.js';

const mapping = { groupsClaim: 'groups', adminGroups: ['ops'], viewerGroups: ['dev', 'qa'] };

describe('groupsFromClaims', () => {
  it.each([
    [{ groups: ['a', 'b'] }, 'groups', ['a', 'b']],
    [{ groups: 'a b,c' }, 'groups', ['a', 'b', 'c']],
    [{ groups: ['a', 7, null] }, 'groups', ['a']],
    [{ realm_access: { roles: ['x'] } }, 'realm_access.roles', ['x']],
    [{ realm_access: 'x' }, 'realm_access.roles', []],
    [{}, 'groups', []],
    [{ groups: { a: 1 } }, 'groups', []],
  ])('reads %j at %s', (claims, path, expected) => {
    expect(groupsFromClaims(claims, path)).toEqual(expected);
  });
});

describe('rolesFromClaims', () => {
  it.each([
    [['ops'], ['viewer', 'admin']],
    [['qa'], ['viewer']],
    [
      ['dev', 'ops'],
      ['viewer', 'admin'],
    ],
    [['ops-team'], []],
    [[], []],
  ])('maps groups %j to roles %j', (groups, roles) => {
    expect(rolesFromClaims({ groups }, mapping)).toEqual(roles);
  });
});

const p = (roles: Principal['roles']): Principal => ({ subject: 's', roles, via: 'bearer' });

describe('isAllowed', () => {
  it.each([
    [[], 'authenticated', true],
    [[], 'viewer', false],
    [['viewer'], 'viewer', true],
    [['viewer'], 'admin', false],
    [['viewer', 'admin'], 'admin', true],
  ] as const)('roles %j with access %s: %s', (roles, access, allowed) => {
    expect(isAllowed(p([...roles]), access)).toBe(allowed);
  });
});
