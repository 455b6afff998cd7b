// The users worker's workflow bundle entry point.
export { registerUser } from './register-user.workflow';
export { publishIntegrationEvent } from '../shared/publish-event.workflow';
