import { Json, PageHeading, ProblemView } from '../components/common';
import { useCatalog } from '../components/endpoint-form';

export function CatalogPage() {
  const catalog = useCatalog();
  return (
    <>
      <PageHeading>Event catalog</PageHeading>
      <p>The event types Hookline delivers, with the JSON Schema of their data and an example.</p>
      <ProblemView problem={catalog.problem} />
      {catalog.data?.data.map((entry) => (
        <section
          key={`${entry.type}@${entry.version}`}
          class="card catalog-entry"
          aria-labelledby={`type-${entry.type}-${entry.version}`}
        >
          <h2 id={`type-${entry.type}-${entry.version}`}>
            <code>{entry.type}</code> <span class="muted">version {entry.version}</span>
          </h2>
          <p>{entry.description}</p>
          <details>
            <summary>Schema</summary>
            <Json value={entry.schema} label={`${entry.type} schema`} />
          </details>
          <h3>Example</h3>
          <Json value={entry.example} label={`${entry.type} example`} />
        </section>
      ))}
    </>
  );
}
