import { TopBar } from "@/app/components/top-bar";

/** The shape of the deployment page while its figures load, so nothing jumps when they arrive. */
export default function Loading() {
  return (
    <>
      <TopBar email={null} />
      <main className="page page-wide" aria-busy="true" aria-label="Loading the deployment">
        <div className="skeleton skeleton-line" style={{ width: 140 }} />
        <div className="skeleton" style={{ width: 260, height: 30, margin: "18px 0 24px" }} />
        <div className="stats">
          {Array.from({ length: 5 }, (_, index) => (
            <div key={index} className="skeleton skeleton-stat" />
          ))}
        </div>
        <div className="chart-grid">
          {Array.from({ length: 4 }, (_, index) => (
            <div key={index} className="skeleton skeleton-chart" />
          ))}
        </div>
      </main>
    </>
  );
}
