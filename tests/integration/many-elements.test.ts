/**
 * One socket, many documents: a framework-free client (no Pinia, no Vue) opens a hundred elements
 * over a single connection, all of them sync, and an edit to each reaches a second client.
 */
import { describe, expect, it } from 'vitest'
import { createElement, createWorld, listElements } from '../helpers/api-client.ts'
import {
  nameText,
  useClient,
  useServer,
  whenDoc,
  whenSaved,
  whenSynced,
} from '../helpers/sync-fixtures.ts'

const ELEMENTS = 100

describe(`${ELEMENTS} elements on one socket`, () => {
  it(`opens ${ELEMENTS} elements over one connection; all sync and every edit arrives`, async () => {
    const server = await useServer()
    const world = await createWorld(server)
    const elements = []
    for (let i = 0; i < ELEMENTS; i++) {
      elements.push(await createElement(server, world.id, { kind: 'note', name: `Note ${i}` }))
    }

    const writer = useClient(server)
    const reader = useClient(server)
    const written = elements.map((element) => writer.open(element.id))
    const read = elements.map((element) => reader.open(element.id))
    await Promise.all([...written, ...read].map(whenSynced))
    expect(writer.openSessions).toBe(ELEMENTS)
    expect(reader.openSessions).toBe(ELEMENTS)
    // Two clients, two connections, however many documents.
    expect(server.app.io.of('/').sockets.size).toBe(2)
    expect(server.app.registry.size).toBe(ELEMENTS)
    written.forEach((session, i) => expect(nameText(session.doc).toString()).toBe(`Note ${i}`))

    written.forEach((session, i) => nameText(session.doc).insert(0, `Edited ${i}: `))
    await Promise.all(
      read.map((session, i) =>
        whenDoc(session.doc, `the edit to element ${i}`, (doc) =>
          nameText(doc).toString().startsWith(`Edited ${i}: `),
        ),
      ),
    )
    await Promise.all(written.map((session) => whenSaved(session)))
    read.forEach((session, i) => {
      expect(nameText(session.doc).toString()).toBe(`Edited ${i}: Note ${i}`)
      expect(session.doc.toJSON()).toEqual(written[i]!.doc.toJSON())
    })
    const index = new Map(
      (await listElements(server, world.id)).map((element) => [element.id, element.name]),
    )
    expect(index).toEqual(
      new Map(elements.map((element, i) => [element.id, `Edited ${i}: Note ${i}`])),
    )
  })
})
