import { GridexApiError } from '@gridex/sdk';

/** What the API said when it refused (its problem details), or what went wrong on the way. */
export function ProblemNotice({ error }: { error: unknown }) {
  if (!error) return null;
  if (error instanceof GridexApiError) {
    const { problem } = error;
    return (
      <div role="alert" className="problem">
        <strong>{problem.title ?? 'The API refused this'}</strong> <code>{problem.code}</code>
        {problem.detail ? <p>{problem.detail}</p> : null}
        {problem.errors?.length ? (
          <ul>
            {problem.errors.map((e, i) => (
              <li key={i}>
                <code>{e.field}</code>: {e.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    );
  }
  return (
    <div role="alert" className="problem">
      <strong>Something went wrong</strong>
      <p>{error instanceof Error ? error.message : String(error)}</p>
    </div>
  );
}
