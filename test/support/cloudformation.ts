import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackStandIn } from '../../lib/local/loopback-stand-in';

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The one CloudFormation call the CLI makes (`DescribeStacks`, AWS query protocol), on
 * loopback: stacks are set by name with their outputs. An unknown stack gets AWS's own error.
 */
export class CloudFormationStandIn extends LoopbackStandIn {
  readonly stacks = new Map<string, Record<string, string>>();

  protected answer(body: string, _request: IncomingMessage, response: ServerResponse): void {
    const form = new URLSearchParams(body);
    const name = form.get('StackName') ?? '';
    const outputs = this.stacks.get(name);
    response.setHeader('content-type', 'text/xml');
    if (form.get('Action') !== 'DescribeStacks' || outputs === undefined) {
      response
        .writeHead(400)
        .end(
          `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${xml(name)} does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
        );
      return;
    }
    const members = Object.entries(outputs)
      .map(
        ([key, value]) =>
          `<member><OutputKey>${xml(key)}</OutputKey><OutputValue>${xml(value)}</OutputValue></member>`,
      )
      .join('');
    response
      .writeHead(200)
      .end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/${xml(name)}/1</StackId><CreationTime>2026-11-27T09:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
  }
}
