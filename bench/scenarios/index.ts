import { scaleOut } from './scale-out.ts'
import { typingAtScale } from './t1-typing.ts'
import { fanOut } from './t2-fanout.ts'
import { idleMemory } from './t3-idle-memory.ts'
import { coldLoad } from './t4-cold-load.ts'
import { history } from './t6-history.ts'
import { durableAck } from './t7-durable-ack.ts'
import { manyElements } from './t8-many-elements.ts'
import type { Scenario, ScenarioId } from './types.ts'

/** In run order; T5 is measured inside T1's window. */
export const scenarios: readonly Scenario[] = [
  typingAtScale,
  fanOut,
  idleMemory,
  coldLoad,
  history,
  durableAck,
  manyElements,
  scaleOut,
]

export const scenariosFor = (ids: readonly ScenarioId[]): Scenario[] =>
  scenarios.filter((scenario) => scenario.provides.some((id) => ids.includes(id)))
