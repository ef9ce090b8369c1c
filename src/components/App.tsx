import { DropZone } from './DropZone.tsx';
import { ConceptsPanel } from './ConceptsPanel.tsx';
import { EmbeddingMaps } from './EmbeddingMaps.tsx';
import { Gallery } from './Gallery.tsx';
import { Header } from './Header.tsx';
import { HeatmapPanel } from './HeatmapPanel.tsx';
import { JobBars } from './JobBars.tsx';
import { KnorPanel } from './KnorPanel.tsx';
import { LectureMode } from './lecture/LectureMode.tsx';
import { Messages } from './Messages.tsx';
import { SessionBanner } from './SessionBanner.tsx';
import { NeighbourGrid } from './NeighbourGrid.tsx';
import { StoragePanel } from './StoragePanel.tsx';
import { TapPanel } from './TapPanel.tsx';
import { TrainPanel } from './TrainPanel.tsx';
import { useLecture } from '../store/hooks.ts';

export function App() {
  // The lecture covers the page; hidden, the app behind it keeps its state but takes no focus.
  const lectureOpen = useLecture((s) => s.open);
  return (
    <>
      <div className="app" hidden={lectureOpen}>
        <a className="skip-link" href="#results">
          Skip to the results
        </a>
        <Header />
        <SessionBanner />
        <Messages />
        <JobBars />
        <TapPanel />
        <main className="layout">
          <section className="column collection-column">
            <DropZone />
            <Gallery />
            <StoragePanel />
          </section>
          <section className="column analysis-column" id="results" tabIndex={-1}>
            <KnorPanel />
            <NeighbourGrid />
          </section>
          <section className="column reconstruction-column">
            <TrainPanel />
            <HeatmapPanel />
          </section>
        </main>
        <EmbeddingMaps />
        <ConceptsPanel />
      </div>
      <LectureMode />
    </>
  );
}
