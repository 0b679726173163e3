import Link from "next/link";

export default function NotFound() {
  return (
    <main className="error-page">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link className="button" href="/">
        Back to Gatehouse
      </Link>
    </main>
  );
}
