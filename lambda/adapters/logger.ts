import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per process; never give it secrets or whole API keys. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'hookline',
});
