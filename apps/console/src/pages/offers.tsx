import { FormEvent, useState } from 'react';
import { useLocation } from 'wouter';
import { useSession } from '../session';
import { useApi } from '../lib/use-api';
import { NO_FILTERS, OfferFilters, offerQuery } from '../lib/offer-filters';
import { ProblemNotice } from '../components/problem-notice';

const percent = (fraction: number) => `${(fraction * 100).toFixed(2)} %`;

/** Capacity for sale now, filtered and sorted by the API (`GET /v1/offers`). */
export function OffersPage() {
  const { client } = useSession();
  const [, navigate] = useLocation();
  const [form, setForm] = useState<OfferFilters>(NO_FILTERS);
  const [applied, setApplied] = useState<OfferFilters>(NO_FILTERS);
  const offers = useApi(() => client.offers(offerQuery(applied)), [client, applied]);
  const set = <K extends keyof OfferFilters>(key: K, value: OfferFilters[K]) =>
    setForm({ ...form, [key]: value });
  const search = (event: FormEvent) => {
    event.preventDefault();
    setApplied(form);
  };

  return (
    <section aria-labelledby="offers-title">
      <h1 id="offers-title">Offers</h1>
      <form className="filters" onSubmit={search} aria-label="Filter offers">
        <label>
          GPU model
          <input
            value={form.gpuProduct}
            onChange={(e) => set('gpuProduct', e.target.value)}
            placeholder="NVIDIA-H100-80GB-HBM3"
          />
        </label>
        <label>
          Min GPU memory (GB)
          <input
            type="number"
            min={1}
            value={form.minGpuMemoryGb}
            onChange={(e) => set('minGpuMemoryGb', e.target.value)}
          />
        </label>
        <label>
          Region
          <input value={form.region} onChange={(e) => set('region', e.target.value)} placeholder="eu-west" />
        </label>
        <label>
          Max price per GPU-hour (USD)
          <input
            inputMode="decimal"
            value={form.maxPricePerGpuHour}
            onChange={(e) => set('maxPricePerGpuHour', e.target.value)}
          />
        </label>
        <label>
          Min reliability (%)
          <input
            type="number"
            min={0}
            max={100}
            step="0.1"
            value={form.minReliability}
            onChange={(e) => set('minReliability', e.target.value)}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.verifiedOnly}
            onChange={(e) => set('verifiedOnly', e.target.checked)}
          />
          Verified only
        </label>
        <label>
          Sort by
          <select value={form.sort} onChange={(e) => set('sort', e.target.value as OfferFilters['sort'])}>
            <option value="price">price</option>
            <option value="perf-per-dollar">performance per dollar</option>
            <option value="reliability">reliability</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <ProblemNotice error={offers.error} />
      <table aria-label="Offers" aria-busy={offers.loading}>
        <thead>
          <tr>
            <th scope="col">GPU</th>
            <th scope="col">Memory</th>
            <th scope="col">Free / GPUs</th>
            <th scope="col">Region</th>
            <th scope="col">Interconnect</th>
            <th scope="col">Reliability</th>
            <th scope="col">Price / GPU-hour</th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(offers.data?.items ?? []).map((offer) => (
            <tr key={`${offer.cluster}/${offer.node}`} data-testid="offer">
              <td>
                {offer.gpuProduct} {offer.verified ? <span className="badge">verified</span> : null}
                {offer.network ? <span className="badge">via {offer.network}</span> : null}
              </td>
              <td>{offer.gpuMemoryGb} GB</td>
              <td>
                {offer.freeGpus} / {offer.gpus}
              </td>
              <td>{offer.region}</td>
              <td>{offer.interconnect}</td>
              <td>{percent(offer.reliability)}</td>
              <td>{offer.pricePerGpuHour === null ? 'not for sale' : `$${offer.pricePerGpuHour}`}</td>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    navigate(
                      `/jobs/new?gpuProduct=${encodeURIComponent(offer.gpuProduct)}&region=${encodeURIComponent(offer.region)}`,
                    )
                  }
                >
                  Rent
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {offers.data && offers.data.items.length === 0 ? <p>No offer matches these filters.</p> : null}
    </section>
  );
}
