/**
 * `npm run backup -- <dest>`: a consistent copy of the database in DATA_DIR, taken while the server
 * runs (SQLite's online backup API). The copy is verified before it is given its name.
 */
import { ConfigError, loadConfig } from '../server/config.ts'
import { BackupError, backupDatabase } from '../server/storage/sqlite/backup.ts'

const main = async (): Promise<void> => {
  const dest = process.argv[2]
  if (!dest || process.argv.length > 3) {
    console.error('usage: npm run backup -- <destination file>   (DATA_DIR names the source)')
    process.exit(2)
  }
  const { dataDir } = loadConfig()
  const summary = await backupDatabase(dataDir, dest)
  console.log(JSON.stringify({ backup: summary }))
}

main().catch((error: unknown) => {
  if (error instanceof BackupError || error instanceof ConfigError) {
    console.error(`backup failed: ${error.message}`)
    process.exit(1)
  }
  console.error('backup failed:', error)
  process.exit(1)
})
