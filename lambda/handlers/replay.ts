import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../adapters/logger';
import { type JobDependencies, type JobPageMessage, runJobPage } from '../domain/jobs';
import { configFromEnvironment } from '../wiring/environment';
import { lazyHandler } from '../wiring/lazy-handler';
import { jobDependencies } from '../wiring/repositories';

/** Runs one page of a replay or redrive job per message, within the function's time. */
export function createReplayHandler(deps: JobDependencies) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const runPage = async (record: SQSRecord) => {
      const message = JSON.parse(record.body) as JobPageMessage;
      const job = await runJobPage(deps, message, () => context.getRemainingTimeInMillis());
      logger.info('job page done', {
        jobId: message.jobId,
        page: message.page,
        status: job?.status,
        queued: job?.queued,
      });
    };
    return processPartialResponse(event, runPage, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}

export const handler = lazyHandler(() =>
  createReplayHandler(jobDependencies(configFromEnvironment())),
);
