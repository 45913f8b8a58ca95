import type { Role } from '../../shared/roles.ts'

/** How each world role reads in the interface, with what it allows. */
export const ROLE_LABELS: Readonly<Record<Role, { readonly name: string; readonly can: string }>> =
  {
    owner: { name: 'Owner', can: 'manages members, writes and reads' },
    editor: { name: 'Editor', can: 'writes and reads' },
    viewer: { name: 'Viewer', can: 'reads only' },
  }
