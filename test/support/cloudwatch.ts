import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackStandIn } from '../../lib/local/loopback-stand-in';

/**
 * The one CloudWatch call the CLI makes (`GetDashboard`, AWS JSON 1.0 as the SDK speaks it to
 * CloudWatch), on loopback: dashboards are set by name with their widgets. An unknown name
 * gets AWS's own error, with the query-compatible code the SDK reads.
 */
export class CloudWatchStandIn extends LoopbackStandIn {
  readonly dashboards = new Map<string, { widgets: unknown[] }>();

  protected answer(body: string, request: IncomingMessage, response: ServerResponse): void {
    const target = request.headers['x-amz-target'];
    const { DashboardName } = JSON.parse(body || '{}') as { DashboardName?: string };
    const dashboard = DashboardName === undefined ? undefined : this.dashboards.get(DashboardName);
    response.setHeader('content-type', 'application/x-amz-json-1.0');
    if (target !== 'GraniteServiceVersion20100801.GetDashboard' || dashboard === undefined) {
      response.writeHead(404, { 'x-amzn-query-error': 'ResourceNotFound;Sender' }).end(
        JSON.stringify({
          __type: 'com.amazonaws.cloudwatch#ResourceNotFound',
          message: 'Dashboard does not exist',
        }),
      );
      return;
    }
    response.writeHead(200).end(
      JSON.stringify({
        DashboardArn: `arn:aws:cloudwatch::000000000000:dashboard/${DashboardName}`,
        DashboardName,
        DashboardBody: JSON.stringify({ widgets: dashboard.widgets }),
      }),
    );
  }
}
