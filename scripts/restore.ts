/**
 * `npm run restore -- <backup file>`: replaces the database in DATA_DIR with a backup. Refuses while
 * a server uses that folder; keeps the replaced database beside the new one.
 */
import { ConfigError, loadConfig } from '../server/config.ts'
import { BackupError, restoreDatabase } from '../server/storage/sqlite/backup.ts'

const main = (): void => {
  const src = process.argv[2]
  if (!src || process.argv.length > 3) {
    console.error('usage: npm run restore -- <backup file>   (DATA_DIR names the target)')
    process.exit(2)
  }
  const { dataDir } = loadConfig()
  const result = restoreDatabase(dataDir, src)
  console.log(JSON.stringify(result))
}

try {
  main()
} catch (error) {
  if (error instanceof BackupError || error instanceof ConfigError) {
    console.error(`restore refused: ${error.message}`)
    process.exit(1)
  }
  console.error('restore failed:', error)
  process.exit(1)
}
