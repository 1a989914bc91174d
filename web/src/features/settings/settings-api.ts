import type {
  apiKeySchema,
  createdApiKeySchema,
  invitationSchema,
  workspaceSchema,
  workspaceUserSchema,
} from '../../../../src/platform/platform.schemas.ts';
import type { Reply } from '../../api.ts';

// The replies the settings screens read, as the server's schemas give them.
/** The business's settings are its workspace. */
export type Settings = Reply<typeof workspaceSchema>;
export type WorkspaceUser = Reply<typeof workspaceUserSchema>;
export type Invitation = Reply<typeof invitationSchema>;
export type ApiKey = Reply<typeof apiKeySchema>;
export type CreatedApiKey = Reply<typeof createdApiKeySchema>;
