export interface Bucket {
  le: number;
  count: number;
}
export declare function histogramBuckets(text: string, name: string): Bucket[] | undefined;
export declare function bucketsBetween(before: Bucket[], after: Bucket[]): Bucket[];
export declare function quantileBound(buckets: Bucket[], q: number): number;
export declare function shareAbove(buckets: Bucket[], bound: number): number;
export declare function scrapeHistogram(url: string, name: string): Promise<Bucket[] | undefined>;
