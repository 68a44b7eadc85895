import { useMemo } from 'react';
import { useSession } from '../session';
import { useApi } from '../lib/use-api';
import { utilisationPerHour } from '../lib/usage-series';
import { ProblemNotice } from '../components/problem-notice';
import { UsageChart } from '../components/usage-chart';

/** The node fields a supplier reads first, in this order; the API may add more. */
const NODE_COLUMNS: Array<[key: string, label: string]> = [
  ['nodeName', 'Node'],
  ['pool', 'Pool'],
  ['region', 'Region'],
  ['gpuProduct', 'GPU'],
  ['gpus', 'GPUs'],
  ['ready', 'Ready'],
  ['verification', 'Verification'],
  ['schedulable', 'Sellable'],
  ['reliabilityBasisPoints', 'Reliability'],
  ['pricePerGpuHour', 'Price / GPU-hour'],
];

const cell = (key: string, value: unknown) => {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (key === 'reliabilityBasisPoints' && typeof value === 'number') return `${(value / 100).toFixed(2)} %`;
  if (key === 'pricePerGpuHour') return `$${String(value)}`;
  return String(value);
};

/** A supplier's pools and nodes, what they earned, their stake and rewards, and payouts. */
export function SupplierPage() {
  const { client } = useSession();
  const supplier = useApi(() => client.supplier(), [client]);
  const nodes = useApi(() => client.supplierNodes(), [client]);
  const earnings = useApi(() => client.earnings(), [client]);
  const rewards = useApi(() => client.rewards(), [client]);
  const payouts = useApi(() => client.payouts(), [client]);
  const activity = useApi(() => client.activity({ hours: 48, epochs: 24 }), [client]);
  const gpus = (nodes.data?.items ?? []).reduce(
    (sum, node) => sum + (typeof node.gpus === 'number' ? node.gpus : 0),
    0,
  );
  const utilisation = useMemo(
    () => utilisationPerHour(activity.data?.hours ?? [], gpus),
    [activity.data, gpus],
  );

  return (
    <section aria-labelledby="supplier-title">
      <h1 id="supplier-title">{supplier.data?.name ?? 'Supplier'}</h1>
      <ProblemNotice error={supplier.error} />
      <h2>Earnings</h2>
      <ProblemNotice error={earnings.error} />
      {earnings.data ? (
        <dl className="facts">
          <dt>Earned</dt>
          <dd data-testid="earnings-total">${earnings.data.total}</dd>
          <dt>Jobs</dt>
          <dd>{earnings.data.jobs}</dd>
          <dt>GPU-seconds sold</dt>
          <dd>{earnings.data.gpuSeconds}</dd>
        </dl>
      ) : null}
      <h2>Nodes</h2>
      <ProblemNotice error={nodes.error} />
      <table aria-label="Nodes">
        <thead>
          <tr>
            {NODE_COLUMNS.map(([key, label]) => (
              <th scope="col" key={key}>
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(nodes.data?.items ?? []).map((node, i) => (
            <tr key={String(node.nodeId ?? i)} data-testid="supplier-node">
              {NODE_COLUMNS.map(([key]) => (
                <td key={key}>{cell(key, node[key])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Utilisation</h2>
      <ProblemNotice error={activity.error} />
      <p>
        Share of the nodes' {gpus} GPUs sold, per hour of the last two days (by when the usage was settled).
      </p>
      <UsageChart hours={utilisation.hours} gpuHours={utilisation.percent} label="% of GPUs sold" />
      <h2>Rewards per epoch</h2>
      <table aria-label="Rewards per epoch">
        <thead>
          <tr>
            <th scope="col">Epoch</th>
            <th scope="col">Ended</th>
            <th scope="col">Eligible nodes</th>
            <th scope="col">Hours online</th>
            <th scope="col">Tokens</th>
          </tr>
        </thead>
        <tbody>
          {(activity.data?.epochs ?? []).map((epoch) => (
            <tr key={epoch.epochNumber} data-testid="epoch">
              <td>{epoch.epochNumber}</td>
              <td>{new Date(epoch.endsAt).toLocaleString()}</td>
              <td>
                {epoch.eligibleNodes} / {epoch.nodes}
              </td>
              <td>{(epoch.onlineMs / 3_600_000).toFixed(2)}</td>
              <td>{epoch.reward}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {activity.data && activity.data.epochs.length === 0 ? (
        <p>No epoch has closed with these nodes yet.</p>
      ) : null}
      <h2>Stake and rewards</h2>
      <ProblemNotice error={rewards.error} />
      {rewards.data ? (
        <dl className="facts">
          <dt>Tokens available</dt>
          <dd>{rewards.data.tokens.available}</dd>
          <dt>Bonded</dt>
          <dd>{rewards.data.tokens.bonded}</dd>
          <dt>Unbonding</dt>
          <dd>{rewards.data.tokens.unbonding}</dd>
          <dt>Paid out</dt>
          <dd>{rewards.data.tokens.paid}</dd>
        </dl>
      ) : null}
      <h2>Payouts</h2>
      <ProblemNotice error={payouts.error} />
      <table aria-label="Payouts">
        <thead>
          <tr>
            <th scope="col">Payout</th>
            <th scope="col">Earnings</th>
            <th scope="col">Tokens</th>
            <th scope="col">Requested</th>
          </tr>
        </thead>
        <tbody>
          {(payouts.data?.items ?? []).map((payout) => (
            <tr key={payout.payoutId}>
              <td>{payout.payoutId}</td>
              <td>
                ${payout.earnings} ({payout.earningsStatus})
              </td>
              <td>
                {payout.tokens} ({payout.tokensStatus})
              </td>
              <td>{new Date(payout.requestedAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
