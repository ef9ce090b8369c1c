/** React bindings: components subscribe to exactly the slice they render. */
import { useStore } from 'zustand';
import { analysisStore, type AnalysisState } from './analysisStore.ts';
import { collectionStore, type CollectionState } from './collectionStore.ts';
import { hubStore, type HubState } from './hubStore.ts';
import { lectureStore } from './lectureStore.ts';
import type { LectureState } from '../core/lecture/navigation.ts';
import { modelStore, type ModelState } from './modelStore.ts';
import { regionsStore, type RegionsState } from './regions.ts';
import { uiStore, type UiState } from './uiStore.ts';

export const useCollection = <T>(selector: (s: CollectionState) => T): T => useStore(collectionStore, selector);
export const useModel = <T>(selector: (s: ModelState) => T): T => useStore(modelStore, selector);
export const useAnalysis = <T>(selector: (s: AnalysisState) => T): T => useStore(analysisStore, selector);
export const useUi = <T>(selector: (s: UiState) => T): T => useStore(uiStore, selector);
export const useHub = <T>(selector: (s: HubState) => T): T => useStore(hubStore, selector);
export const useLecture = <T>(selector: (s: LectureState) => T): T => useStore(lectureStore, selector);
export const useRegions = <T>(selector: (s: RegionsState) => T): T => useStore(regionsStore, selector);
