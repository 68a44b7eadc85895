import { FormEvent, useMemo, useState } from 'react';
import { Link } from 'wouter';
import { useSession } from '../session';
import { useApi } from '../lib/use-api';
import { gpuHoursPerHour } from '../lib/usage-series';
import { ProblemNotice } from '../components/problem-notice';
import { UsageChart } from '../components/usage-chart';

/** Balance and top-ups, usage over time, and invoices with their CSV. */
export function BillingPage() {
  const { client } = useSession();
  const balance = useApi(() => client.balance(), [client]);
  const invoices = useApi(() => client.invoices(), [client]);
  const jobs = useApi(() => client.jobs({ limit: 200 }), [client]);
  const [amount, setAmount] = useState('100.00');
  const [topUpError, setTopUpError] = useState<unknown>();
  const [toppedUp, setToppedUp] = useState<string>();
  const series = useMemo(
    () =>
      gpuHoursPerHour(
        (jobs.data?.items ?? []).map((job) => ({
          gpus: (job.allocation?.nodes ?? []).reduce((sum, node) => sum + node.gpus, 0),
          startedAt: job.startedAt,
          finishedAt: job.finishedAt,
        })),
        Date.now(),
      ),
    [jobs.data],
  );
  const topUp = async (event: FormEvent) => {
    event.preventDefault();
    setTopUpError(undefined);
    try {
      const done = await client.addCredits(amount);
      setToppedUp(`Top-up ${done.topUpId}: ${done.status}`);
      balance.reload();
    } catch (error) {
      setTopUpError(error);
    }
  };

  return (
    <section aria-labelledby="billing-title">
      <h1 id="billing-title">Billing</h1>
      <ProblemNotice error={balance.error} />
      {balance.data ? (
        <dl className="facts">
          <dt>Available</dt>
          <dd data-testid="balance-available">${balance.data.available}</dd>
          <dt>Held for running jobs</dt>
          <dd>${balance.data.held}</dd>
        </dl>
      ) : null}
      <form onSubmit={topUp} aria-label="Top up" className="inline-form">
        <label htmlFor="top-up-amount">Top-up amount (USD)</label>
        <input
          id="top-up-amount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
        <button type="submit">Add credits</button>
      </form>
      {toppedUp ? <p role="status">{toppedUp}</p> : null}
      <ProblemNotice error={topUpError} />
      <h2>Usage</h2>
      <ProblemNotice error={jobs.error} />
      <UsageChart hours={series.hours} gpuHours={series.gpuHours} />
      <h2>Invoices</h2>
      <ProblemNotice error={invoices.error} />
      <table aria-label="Invoices">
        <thead>
          <tr>
            <th scope="col">Invoice</th>
            <th scope="col">Period</th>
            <th scope="col">Lines</th>
            <th scope="col">GPU-seconds</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {(invoices.data?.items ?? []).map((invoice) => (
            <tr key={invoice.invoiceId} data-testid="invoice">
              <td>
                <Link href={`/invoices/${invoice.invoiceId}`}>{invoice.invoiceId}</Link>
              </td>
              <td>
                {new Date(invoice.periodStart).toLocaleString()} –{' '}
                {new Date(invoice.periodEnd).toLocaleString()}
              </td>
              <td>{invoice.lineCount}</td>
              <td>{invoice.gpuSeconds}</td>
              <td>${invoice.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** One invoice, line by line, and its CSV as the API renders it. */
export function InvoicePage({ invoiceId }: { invoiceId: string }) {
  const { client } = useSession();
  const invoice = useApi(() => client.invoice(invoiceId), [client, invoiceId]);
  const [csvError, setCsvError] = useState<unknown>();
  const download = async () => {
    setCsvError(undefined);
    try {
      const csv = await client.invoiceCsv(invoiceId);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      link.download = `${invoiceId}.csv`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      setCsvError(error);
    }
  };
  const data = invoice.data;
  return (
    <section aria-labelledby="invoice-title">
      <h1 id="invoice-title">Invoice {invoiceId}</h1>
      <ProblemNotice error={invoice.error} />
      {data ? (
        <>
          <dl className="facts">
            <dt>Total</dt>
            <dd data-testid="invoice-total">${data.total}</dd>
            <dt>Credits applied</dt>
            <dd>${data.creditsApplied}</dd>
            <dt>Issued</dt>
            <dd>{new Date(data.issuedAt).toLocaleString()}</dd>
          </dl>
          <button type="button" onClick={() => void download()}>
            Download CSV
          </button>
          <ProblemNotice error={csvError} />
          <table aria-label="Invoice lines">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Job</th>
                <th scope="col">GPU</th>
                <th scope="col">GPU-seconds</th>
                <th scope="col">Price / GPU-hour</th>
                <th scope="col">Amount</th>
              </tr>
            </thead>
            <tbody>
              {data.lines.map((line) => (
                <tr key={line.lineNo} data-testid="invoice-line">
                  <td>{line.lineNo}</td>
                  <td>
                    <Link href={`/jobs/${line.jobId}`}>{line.jobId}</Link>
                  </td>
                  <td>{line.gpuProduct}</td>
                  <td>{line.gpuSeconds}</td>
                  <td>${line.unitPricePerGpuHour}</td>
                  <td>${line.amount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
