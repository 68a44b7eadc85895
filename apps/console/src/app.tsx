import { lazy, ReactNode, Suspense } from 'react';
import { Link, Redirect, Route, Router, Switch } from 'wouter';
import { SessionProvider, useSessionApi } from './session';
import { SignInPage } from './pages/sign-in';

// Pages load when first opened: the first load carries the shell and the sign-in form only.
const OffersPage = lazy(() => import('./pages/offers').then((m) => ({ default: m.OffersPage })));
const NewJobPage = lazy(() => import('./pages/new-job').then((m) => ({ default: m.NewJobPage })));
const JobsPage = lazy(() => import('./pages/jobs').then((m) => ({ default: m.JobsPage })));
const JobPage = lazy(() => import('./pages/job').then((m) => ({ default: m.JobPage })));
const BillingPage = lazy(() => import('./pages/billing').then((m) => ({ default: m.BillingPage })));
const InvoicePage = lazy(() => import('./pages/billing').then((m) => ({ default: m.InvoicePage })));
const SupplierPage = lazy(() => import('./pages/supplier').then((m) => ({ default: m.SupplierPage })));
const OperatorPage = lazy(() => import('./pages/operator').then((m) => ({ default: m.OperatorPage })));

/** Which pages a role sees: the API refuses the others anyway, and the console does not offer them. */
const NAV: Record<string, Array<[href: string, label: string]>> = {
  client: [
    ['/offers', 'Offers'],
    ['/jobs', 'Jobs'],
    ['/jobs/new', 'New job'],
    ['/billing', 'Billing'],
  ],
  supplier: [
    ['/supplier', 'My nodes'],
    ['/offers', 'Offers'],
  ],
  operator: [
    ['/operations', 'Operations'],
    ['/offers', 'Offers'],
  ],
  finance: [['/offers', 'Offers']],
};

const HOME: Record<string, string> = {
  client: '/offers',
  supplier: '/supplier',
  operator: '/operations',
  finance: '/offers',
};

function Shell() {
  const { session, signOut } = useSessionApi();
  if (!session) return <SignInPage />;
  const { role, tenantId } = session.identity;
  const page = (node: ReactNode) => <Suspense fallback={<p>Loading …</p>}>{node}</Suspense>;
  return (
    <>
      <header className="top">
        <span className="brand">Gridex</span>
        <nav aria-label="Main">
          {(NAV[role] ?? []).map(([href, label]) => (
            <Link key={href} href={href}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="who">
          {role} · {tenantId.slice(0, 8)}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <Switch>
          <Route path="/offers">{page(<OffersPage />)}</Route>
          <Route path="/jobs/new">{page(<NewJobPage />)}</Route>
          <Route path="/jobs/:jobId">{(params) => page(<JobPage jobId={params.jobId} />)}</Route>
          <Route path="/jobs">{page(<JobsPage />)}</Route>
          <Route path="/billing">{page(<BillingPage />)}</Route>
          <Route path="/invoices/:invoiceId">
            {(params) => page(<InvoicePage invoiceId={params.invoiceId} />)}
          </Route>
          <Route path="/supplier">{page(<SupplierPage />)}</Route>
          <Route path="/operations">{page(<OperatorPage />)}</Route>
          <Route path="/">
            <Redirect to={HOME[role] ?? '/offers'} />
          </Route>
          <Route>
            <h1>No such page</h1>
            <p>
              <Link href={HOME[role] ?? '/offers'}>Start here</Link>
            </p>
          </Route>
        </Switch>
      </main>
    </>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Router base="/console">
        <Shell />
      </Router>
    </SessionProvider>
  );
}
