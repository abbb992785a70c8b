import { describe, it, expect } from 'vitest'
import { mapCognitoError } from './cognito'

describe('mapCognitoError', () => {
  it('maps Cognito codes to the app’s', () => {
    expect(mapCognitoError({ code: 'NotAuthorizedException', message: 'Incorrect username or password.' }).code).toBe('InvalidCredentials')
    expect(mapCognitoError({ name: 'UserNotFoundException' }).code).toBe('InvalidCredentials')
    expect(mapCognitoError({ code: 'NotAuthorizedException', message: 'Password attempts exceeded' }).code).toBe('TooManyRequests')
    expect(mapCognitoError({ code: 'UsernameExistsException' }).code).toBe('UsernameTaken')
    expect(mapCognitoError({ code: 'UserNotConfirmedException' }).code).toBe('NotConfirmed')
    expect(mapCognitoError({ code: 'ExpiredCodeException' }).code).toBe('InvalidCode')
    expect(mapCognitoError({ code: 'LimitExceededException' }).code).toBe('TooManyRequests')
  })
  it('keeps Cognito’s password rule message', () => {
    const e = mapCognitoError({ code: 'InvalidPasswordException', message: 'Password must have uppercase characters' })
    expect(e.code).toBe('InvalidPassword')
    expect(e.message).toBe('Password must have uppercase characters')
  })
  it('copes with anything thrown', () => {
    for (const x of [null, undefined, 'str', 42, {}]) {
      const e = mapCognitoError(x)
      expect(e.code).toBe('Other')
      expect(e.message).toBe('Sign-in failed.')
    }
    expect(mapCognitoError(new Error('boom')).message).toBe('boom')
  })
})
