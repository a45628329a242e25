import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackStandIn } from '../../lib/local/loopback-stand-in';

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The one SNS call the CLI makes (`GetTopicAttributes`, AWS query protocol), on loopback:
 * topics are set by ARN with their confirmed subscriptions. An unknown topic gets AWS's error.
 */
export class SnsStandIn extends LoopbackStandIn {
  readonly topics = new Map<string, { confirmed: number }>();

  protected answer(body: string, _request: IncomingMessage, response: ServerResponse): void {
    const form = new URLSearchParams(body);
    const arn = form.get('TopicArn') ?? '';
    const topic = this.topics.get(arn);
    response.setHeader('content-type', 'text/xml');
    if (form.get('Action') !== 'GetTopicAttributes' || topic === undefined) {
      response
        .writeHead(404)
        .end(
          '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>',
        );
      return;
    }
    const attributes = {
      TopicArn: arn,
      SubscriptionsConfirmed: String(topic.confirmed),
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
    };
    const entries = Object.entries(attributes)
      .map(([key, value]) => `<entry><key>${key}</key><value>${xml(value)}</value></entry>`)
      .join('');
    response
      .writeHead(200)
      .end(
        `<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><GetTopicAttributesResult><Attributes>${entries}</Attributes></GetTopicAttributesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetTopicAttributesResponse>`,
      );
  }
}
