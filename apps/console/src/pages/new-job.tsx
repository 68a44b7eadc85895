import { ChangeEvent, FormEvent, useMemo, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import jobSpecSchema from 'virtual:job-spec-schema';
import type { JobSpec, Quote } from '@gridex/sdk';
import { useSession } from '../session';
import { EMPTY_JOB_FORM, FieldError, JobForm, jobSpecFromForm, validateJobSpec } from '../lib/job-form';
import { ProblemNotice } from '../components/problem-notice';

type TextField = Exclude<keyof JobForm, 'interruptible' | 'networks'>;

const FIELDS: Array<{
  key: TextField;
  label: string;
  hint?: string;
  multiline?: boolean;
  required?: boolean;
}> = [
  { key: 'name', label: 'Name' },
  { key: 'image', label: 'Container image', hint: 'from a registry the exchange allows', required: true },
  { key: 'command', label: 'Command', hint: 'one argument per line', multiline: true },
  { key: 'gpuProducts', label: 'GPU models', hint: 'comma-separated, e.g. NVIDIA-H100-80GB-HBM3' },
  { key: 'gpusPerNode', label: 'GPUs per node', required: true },
  { key: 'nodes', label: 'Nodes' },
  { key: 'minGpuMemoryGb', label: 'Min GPU memory (GB)' },
  { key: 'regions', label: 'Regions', hint: 'comma-separated' },
  { key: 'maxPricePerGpuHour', label: 'Max price per GPU-hour (USD)', required: true },
  { key: 'expectedDurationSeconds', label: 'Expected duration (seconds)', required: true },
  { key: 'annotations', label: 'Annotations', hint: 'key=value, one per line', multiline: true },
];

/**
 * A job's spec, checked as the API checks it before anything is sent; "Quote" asks matching what it would cost
 * and, when nothing fits, why; "Submit" places it (the SDK gives the POST an idempotency key, so a retried
 * submit cannot place it twice).
 */
export function NewJobPage() {
  const { client } = useSession();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const [form, setForm] = useState<JobForm>({
    ...EMPTY_JOB_FORM,
    gpuProducts: params.get('gpuProduct') ?? '',
    regions: params.get('region') ?? '',
  });
  const [touched, setTouched] = useState(false);
  const [quote, setQuote] = useState<Quote>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const spec = useMemo(() => jobSpecFromForm(form), [form]);
  const errors = useMemo(() => validateJobSpec(jobSpecSchema, spec), [spec]);
  const errorsOf = (field: string): FieldError[] => (touched ? errors.filter((e) => e.field === field) : []);

  const run = async (action: 'quote' | 'submit') => {
    setTouched(true);
    setError(undefined);
    if (errors.length > 0) return;
    setBusy(true);
    try {
      if (action === 'quote') setQuote(await client.quote(spec as JobSpec));
      else navigate(`/jobs/${(await client.submitJob(spec as JobSpec)).id}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run('submit');
  };

  return (
    <section aria-labelledby="new-job-title">
      <h1 id="new-job-title">New job</h1>
      <form onSubmit={submit} noValidate aria-label="Job spec" className="job-form">
        {FIELDS.map(({ key, label, hint, multiline, required }) => {
          const id = `job-${key}`;
          const fieldErrors = errorsOf(key);
          const described = [hint ? `${id}-hint` : '', fieldErrors.length ? `${id}-error` : '']
            .filter(Boolean)
            .join(' ');
          const common = {
            id,
            name: key,
            value: form[key],
            'aria-invalid': fieldErrors.length > 0,
            'aria-describedby': described || undefined,
            'aria-required': required,
            onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
              setForm({ ...form, [key]: e.target.value }),
          };
          return (
            <div className="field" key={key}>
              <label htmlFor={id}>
                {label}
                {required ? ' *' : ''}
              </label>
              {multiline ? <textarea {...common} rows={3} /> : <input {...common} />}
              {hint ? <small id={`${id}-hint`}>{hint}</small> : null}
              {fieldErrors.length ? (
                <small id={`${id}-error`} className="field-error">
                  {fieldErrors.map((e) => e.message).join('; ')}
                </small>
              ) : null}
            </div>
          );
        })}
        <div className="field">
          <label htmlFor="job-interconnect">Interconnect</label>
          <select
            id="job-interconnect"
            value={form.interconnect}
            onChange={(e) => setForm({ ...form, interconnect: e.target.value })}
          >
            <option value="">any</option>
            <option value="nvlink">nvlink</option>
            <option value="infiniband">infiniband</option>
            <option value="pcie">pcie</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="job-networks">Networks</label>
          <select
            id="job-networks"
            value={form.networks}
            onChange={(e) => setForm({ ...form, networks: e.target.value as JobForm['networks'] })}
          >
            <option value="local">Gridex suppliers only</option>
            <option value="any">also other compute networks</option>
          </select>
        </div>
        <div className="field check">
          <input
            id="job-interruptible"
            type="checkbox"
            checked={form.interruptible}
            onChange={(e) => setForm({ ...form, interruptible: e.target.checked })}
          />
          <label htmlFor="job-interruptible">Interruptible (cheaper, may be preempted)</label>
        </div>
        <div className="actions">
          <button type="button" onClick={() => void run('quote')} disabled={busy}>
            Quote
          </button>
          <button type="submit" disabled={busy}>
            Submit job
          </button>
        </div>
        {touched && errors.length > 0 ? (
          <p role="alert" className="field-error">
            Fix the {errors.length === 1 ? 'field' : `${errors.length} fields`} marked above.
          </p>
        ) : null}
      </form>
      <ProblemNotice error={error} />
      {quote ? <QuoteView quote={quote} /> : null}
    </section>
  );
}

function QuoteView({ quote }: { quote: Quote }) {
  return (
    <section aria-label="Quote" className="quote">
      <h2>
        {quote.feasible ? `Estimated cost: $${quote.estimatedCost ?? '—'}` : 'Nothing fits this job now'}
      </h2>
      {quote.reasons.length > 0 ? (
        <ul>
          {quote.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      ) : null}
      {quote.offers.length > 0 ? (
        <table aria-label="Nodes the job would run on">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">GPU</th>
              <th scope="col">GPUs</th>
              <th scope="col">Region</th>
              <th scope="col">Price / GPU-hour</th>
            </tr>
          </thead>
          <tbody>
            {quote.offers.map((offer) => (
              <tr key={`${offer.cluster}/${offer.node}`}>
                <td>{offer.network ? `${offer.network}: ${offer.node}` : offer.node}</td>
                <td>{offer.gpuProduct}</td>
                <td>{offer.gpus}</td>
                <td>{offer.region}</td>
                <td>${offer.pricePerGpuHour}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
