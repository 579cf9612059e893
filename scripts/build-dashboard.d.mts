export declare const defaultOutDir: string;
/** Builds the dashboard into `outDir` (emptied first) and returns the names of the files written. */
export declare function buildDashboard(outDir?: string): Promise<string[]>;
