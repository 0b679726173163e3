import { TopBar } from "@/app/components/top-bar";

export default function Loading() {
  return (
    <>
      <TopBar email={null} />
      <main className="page" aria-busy="true" aria-label="Loading deployments">
        <div className="skeleton" style={{ width: 200, height: 30, marginBottom: 24 }} />
        <div className="card section">
          {Array.from({ length: 4 }, (_, index) => (
            <div key={index} className="skeleton skeleton-line" />
          ))}
        </div>
      </main>
    </>
  );
}
