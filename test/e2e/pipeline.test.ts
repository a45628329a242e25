import { startLocalSystem } from '../support/local-system';
import { describePipeline } from './pipeline-scenario';

describePipeline('publish → store → sign → deliver, in local mode', (env) => startLocalSystem(env));
