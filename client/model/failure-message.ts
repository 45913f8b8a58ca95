/**
 * Turns a failure into a sentence a person can act on. The server's messages say what went wrong
 * and what to do ("a world needs an owner: make someone else owner first"); they are shown as
 * sentences. Anything else is a bug on our side, and says so.
 */
import { ApiError } from '../api/http.ts'

const asSentence = (message: string): string => {
  const text = message.trim()
  if (text === '') return 'Something went wrong. Try again.'
  const capital = text.charAt(0).toUpperCase() + text.slice(1)
  return /[.!?]$/.test(capital) ? capital : `${capital}.`
}

export const failureMessage = (failure: unknown): string => {
  if (failure instanceof ApiError) return asSentence(failure.message)
  const detail = failure instanceof Error ? failure.message : String(failure)
  return asSentence(`something went wrong on this page (${detail}); reload and try again`)
}
