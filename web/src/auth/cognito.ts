import type {
  CognitoUser as CognitoUserT,
  CognitoUserPool as CognitoUserPoolT,
  CognitoUserSession,
  ISignUpResult,
} from 'amazon-cognito-identity-js'
import type { CognitoSettings } from '../config'
import { AuthError, type AuthProvider, type Session, type SessionEnd, type SignUpOutcome } from './session'

// The AWS shape: people sign in to the Cognito user pool named in config.json, with the
// SRP flow of amazon-cognito-identity-js (the password never leaves the browser). The
// library keeps its tokens in localStorage and refreshes them inside getSession(). It is
// loaded on demand, so the local shape never downloads it.

type Lib = typeof import('amazon-cognito-identity-js')

const REFRESH_MARGIN_S = 30

interface CognitoErrorLike {
  code?: string
  name?: string
  message?: string
}

export function mapCognitoError(e: unknown): AuthError {
  const err = (e ?? {}) as CognitoErrorLike
  const code = err.code || err.name || ''
  const msg = err.message || 'Sign-in failed.'
  switch (code) {
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
      if (/attempts exceeded/i.test(msg)) return new AuthError('TooManyRequests', 'Too many attempts. Try again later.')
      return new AuthError('InvalidCredentials', 'Wrong username or password.')
    case 'UsernameExistsException':
      return new AuthError('UsernameTaken', 'That username is taken. Choose another one, or sign in.')
    case 'UserNotConfirmedException':
      return new AuthError('NotConfirmed', 'This account is not confirmed yet. Enter the code that was sent to you.')
    case 'InvalidPasswordException':
      return new AuthError('InvalidPassword', msg)
    case 'CodeMismatchException':
    case 'ExpiredCodeException':
      return new AuthError('InvalidCode', 'That code is wrong or has expired.')
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return new AuthError('TooManyRequests', 'Too many attempts. Try again later.')
    default:
      return new AuthError('Other', msg)
  }
}

function sessionOf(user: CognitoUserT): Promise<CognitoUserSession | null> {
  return new Promise((resolve, reject) => {
    user.getSession((err: Error | null, session: CognitoUserSession | null) => {
      if (err) {
        const code = (err as CognitoErrorLike).code
        if (code === 'NotAuthorizedException') resolve(null)
        else reject(err)
      } else resolve(session && session.isValid() ? session : null)
    })
  })
}

function displayName(user: CognitoUserT, session: CognitoUserSession): string {
  const claims = session.getIdToken().decodePayload() as Record<string, unknown>
  const email = claims.email
  return typeof email === 'string' && email ? email : user.getUsername()
}

export class CognitoAuth implements AuthProvider {
  readonly mode = 'cognito' as const
  private lib: Promise<Lib> | null = null
  private poolPromise: Promise<CognitoUserPoolT> | null = null
  private listeners: ((why: SessionEnd) => void)[] = []
  private pending: CognitoUserT | null = null

  constructor(
    private readonly settings: CognitoSettings,
    private readonly load: () => Promise<Lib> = () => import('amazon-cognito-identity-js'),
  ) {}

  private library(): Promise<Lib> {
    this.lib ??= this.load()
    return this.lib
  }

  private pool(): Promise<CognitoUserPoolT> {
    this.poolPromise ??= this.library().then(
      (lib) =>
        new lib.CognitoUserPool({
          UserPoolId: this.settings.userPoolId,
          ClientId: this.settings.clientId,
          ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
        }),
    )
    return this.poolPromise
  }

  onEnd(listener: (why: SessionEnd) => void): void {
    this.listeners.push(listener)
  }

  private async current(): Promise<{ user: CognitoUserT; session: CognitoUserSession } | null> {
    const user = (await this.pool()).getCurrentUser()
    if (!user) return null
    const session = await sessionOf(user)
    return session ? { user, session } : null
  }

  async accessToken(): Promise<string | null> {
    const c = await this.current()
    if (!c) return null
    const token = c.session.getAccessToken()
    if (token.getExpiration() - Date.now() / 1000 > REFRESH_MARGIN_S) return token.getJwtToken()
    const renewed = await this.forceRefresh(c.user, c.session)
    return renewed?.getAccessToken().getJwtToken() ?? null
  }

  private forceRefresh(user: CognitoUserT, session: CognitoUserSession): Promise<CognitoUserSession | null> {
    return new Promise((resolve) => {
      user.refreshSession(session.getRefreshToken(), (err: Error | null, fresh: CognitoUserSession | null) => {
        if (err || !fresh) {
          user.signOut()
          for (const l of this.listeners) l('expired')
          resolve(null)
        } else resolve(fresh)
      })
    })
  }

  async tokenRejected(): Promise<boolean> {
    const c = await this.current()
    if (!c) return false
    return (await this.forceRefresh(c.user, c.session)) !== null
  }

  async restore(): Promise<Session | null> {
    const c = await this.current()
    return c ? { username: displayName(c.user, c.session) } : null
  }

  async signIn(username: string, password: string): Promise<Session> {
    const lib = await this.library()
    const pool = await this.pool()
    const user = new lib.CognitoUser({ Username: username, Pool: pool })
    const details = new lib.AuthenticationDetails({ Username: username, Password: password })
    const session = await new Promise<CognitoUserSession>((resolve, reject) => {
      user.authenticateUser(details, {
        onSuccess: resolve,
        onFailure: (e: unknown) => reject(mapCognitoError(e)),
        newPasswordRequired: () =>
          reject(new AuthError('Unsupported', 'This account must set a new password first; ask the administrator.')),
        mfaRequired: () => reject(new AuthError('Unsupported', 'This account uses multi-factor sign-in, which this app does not offer yet.')),
        totpRequired: () => reject(new AuthError('Unsupported', 'This account uses multi-factor sign-in, which this app does not offer yet.')),
      })
    })
    return { username: displayName(user, session) }
  }

  async signUp(username: string, password: string, email?: string): Promise<SignUpOutcome> {
    const lib = await this.library()
    const pool = await this.pool()
    const mail = email || (username.includes('@') ? username : '')
    const attrs = mail ? [new lib.CognitoUserAttribute({ Name: 'email', Value: mail })] : []
    const result = await new Promise<ISignUpResult>((resolve, reject) => {
      pool.signUp(username, password, attrs, [], (err, res) => (err || !res ? reject(mapCognitoError(err)) : resolve(res)))
    })
    this.pending = result.user
    const destination = (result as ISignUpResult & { codeDeliveryDetails?: { Destination?: string } }).codeDeliveryDetails?.Destination
    return { needsConfirmation: !result.userConfirmed, ...(destination ? { destination } : {}) }
  }

  async confirmSignUp(username: string, code: string): Promise<void> {
    const lib = await this.library()
    const user = this.pending && this.pending.getUsername() === username ? this.pending : new lib.CognitoUser({ Username: username, Pool: await this.pool() })
    await new Promise<void>((resolve, reject) => {
      user.confirmRegistration(code, true, (err: unknown) => (err ? reject(mapCognitoError(err)) : resolve()))
    })
    this.pending = null
  }

  async signOut(): Promise<void> {
    const user = (await this.pool()).getCurrentUser()
    user?.signOut()
  }
}
