import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The alarms of a {@link WebhookReceiver}. */
export interface WebhookReceiverAlarms {
  /** The dead-letter queue holds at least one message: a delivery the worker gave up on. */
  readonly deadLetters: Alarm;
  /** A message has waited in the queue longer than the threshold: the worker is not keeping up. */
  readonly oldestMessage: Alarm;
  /** The verifying function failed (an uncaught error or a timeout); Hookline will retry. */
  readonly receiverErrors: Alarm;
  /** The worker function failed as a whole (thrown error or timeout, not a reported item). */
  readonly workerErrors: Alarm;
  /** The HTTP API answered 5xx; Hookline will retry. */
  readonly apiServerErrors: Alarm;
}

export interface ReceiverAlarmsProps {
  readonly api: IHttpApi;
  readonly receiverFunction: IFunction;
  readonly worker: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly oldestMessageAgeThreshold: Duration;
  readonly alarmTopic?: ITopic;
}

/** Five-minute periods: Lambda, SQS and API Gateway all publish at least every minute. */
const PERIOD = Duration.minutes(5);

/** The alarms of the receiver, each notifying `alarmTopic` (when given) on ALARM and OK. */
export class ReceiverAlarms extends Construct {
  readonly alarms: WebhookReceiverAlarms;

  constructor(scope: Construct, id: string, props: ReceiverAlarmsProps) {
    super(scope, id);
    const max = { statistic: Stats.MAXIMUM, period: PERIOD };
    const sum = { statistic: Stats.SUM, period: PERIOD };
    const ageSeconds = props.oldestMessageAgeThreshold.toSeconds();
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) =>
      this.alarm(name, metric, threshold, description, props.alarmTopic);
    this.alarms = {
      deadLetters: alarm(
        'DeadLettersAlarm',
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(max),
        1,
        'The webhook dead-letter queue holds messages: deliveries the worker failed on every receive. Look at them, fix the worker, then move them back to the queue (SQS console: Start DLQ redrive).',
      ),
      oldestMessage: alarm(
        'OldestMessageAlarm',
        props.queue.metricApproximateAgeOfOldestMessage(max),
        ageSeconds,
        `A webhook delivery has waited in the queue for ${ageSeconds} s: the worker is not draining it (errors, throttles, a disabled event source mapping or too little concurrency).`,
      ),
      receiverErrors: alarm(
        'ReceiverErrorsAlarm',
        props.receiverFunction.metricErrors(sum),
        1,
        'The verifying function failed (an uncaught error or a timeout), so Hookline got a 5xx and will retry. Its log group has the error.',
      ),
      workerErrors: alarm(
        'WorkerErrorsAlarm',
        props.worker.metricErrors(sum),
        1,
        'The webhook worker failed a whole batch (an uncaught error or a timeout); its messages are received again and reach the dead-letter queue after maxReceiveCount receives.',
      ),
      apiServerErrors: alarm(
        'ApiServerErrorsAlarm',
        props.api.metricServerError(sum),
        1,
        'The webhook HTTP API answered 5xx (the verifying function failed, timed out or was throttled); Hookline retries these deliveries on its schedule.',
      ),
    };
  }

  private alarm(
    id: string,
    metric: IMetric,
    threshold: number,
    description: string,
    topic: ITopic | undefined,
  ): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // An idle receiver publishes no SQS, Lambda or API datapoints: that is the healthy state.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (topic) {
      const action = new SnsAction(topic);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarm;
  }
}
