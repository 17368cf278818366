import { Link } from '@tanstack/react-router'
import { Heading } from 'react-aria-components'

/**
 * A page that does not exist, or that the user may not see (the admin pages for everyone else,
 * as the API answers them): the same answer, so it tells nothing.
 */
export function NotFoundPage() {
  return (
    <section>
      <Heading level={1}>Not found</Heading>
      <p>
        There is no such page. <Link to="/">Back to the overview</Link>
      </p>
    </section>
  )
}
