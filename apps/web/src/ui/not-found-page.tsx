import { Link } from 'react-router-dom';
import { Page } from './page';

/** Shown for any unknown address. */
export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Go to your start page</Link>
      </p>
    </Page>
  );
}
