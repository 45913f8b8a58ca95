/**
 * The one store every peer writes to, so storage is not what differs between them: a better-sqlite3
 * table of updates per document, read whole when a document opens, appended on every update.
 * (Loresync brings its own store, which has the same shape: an update log per document.)
 */
import Database from 'better-sqlite3'

export class UpdateLog {
  private readonly db: Database.Database
  private readonly insert: Database.Statement<[string, Uint8Array]>
  private readonly select: Database.Statement<[string], { data: Uint8Array }>
  private readonly bytes: Database.Statement<[string], { bytes: number | null }>

  constructor(file: string, synchronous: 'full' | 'normal') {
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    this.db.exec(`CREATE TABLE IF NOT EXISTS updates (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      doc TEXT NOT NULL,
      data BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS updates_by_doc ON updates (doc, seq);`)
    this.insert = this.db.prepare('INSERT INTO updates (doc, data) VALUES (?, ?)')
    this.select = this.db.prepare('SELECT data FROM updates WHERE doc = ? ORDER BY seq')
    this.bytes = this.db.prepare('SELECT sum(length(data)) AS bytes FROM updates WHERE doc = ?')
  }

  load(doc: string): Uint8Array[] {
    return this.select.all(doc).map((row) => row.data)
  }

  append(doc: string, update: Uint8Array): void {
    this.insert.run(doc, update)
  }

  storedBytes(doc: string): number {
    return this.bytes.get(doc)?.bytes ?? 0
  }

  close(): void {
    this.db.close()
  }
}
