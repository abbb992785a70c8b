import type { TokenSource } from '../api/client'

// What the rest of the app knows about signing in, whichever shape is behind it.

export interface Session {
  username: string
}

export type SessionEnd = 'signed-out' | 'expired'

export interface SignUpOutcome {
  /** Cognito may send a code first; local accounts are usable at once. */
  needsConfirmation: boolean
  /** Where the code went (an e-mail address, masked), when known. */
  destination?: string
}

export interface AuthProvider extends TokenSource {
  readonly mode: 'local' | 'cognito'
  /** The session kept from an earlier visit, checked and refreshed; null when there is none. */
  restore(): Promise<Session | null>
  signIn(username: string, password: string): Promise<Session>
  signUp(username: string, password: string, email?: string): Promise<SignUpOutcome>
  confirmSignUp?(username: string, code: string): Promise<void>
  signOut(): Promise<void>
  /** Called when the session ends without the user asking (refresh refused, another tab signed out). */
  onEnd(listener: (why: SessionEnd) => void): void
}

/** A sign-in problem already phrased for people (Cognito's errors are mapped to these). */
export class AuthError extends Error {
  override name = 'AuthError'
  constructor(
    readonly code: 'InvalidCredentials' | 'UsernameTaken' | 'NotConfirmed' | 'InvalidPassword' | 'InvalidCode' | 'TooManyRequests' | 'Unsupported' | 'Other',
    message: string,
  ) {
    super(message)
  }
}
