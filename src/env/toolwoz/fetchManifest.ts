// What `josh data fetch` downloads, from where, and the sha256 each file must have. URLs are pinned
// to commits, so the bytes cannot change under a checksum. `mirrorPath` is the file's path under
// --base-url (a mirror laid out like this repo's ../shared, plus multiwoz/MultiWOZ_2.1.zip).

/** Where an expected checksum comes from: computed here from a byte-identical copy, or taken from a
 * published record we could not check offline (the MultiWOZ archive; see docs/toolwoz.md). */
export type ChecksumSource = 'local-copy' | 'published-record';

export interface FetchFile {
  url: string;
  mirrorPath: string;
  /** Destination, relative to the data directory. */
  dest: string;
  sha256: string;
  checksumSource: ChecksumSource;
}

export interface ArchiveMember {
  /** Accepted file names inside the archive (any folder; the first found is used). */
  names: string[];
  dest: string;
  sha256: string;
  checksumSource: ChecksumSource;
}

export interface FetchArchive {
  url: string;
  mirrorPath: string;
  sha256: string;
  checksumSource: ChecksumSource;
  members: ArchiveMember[];
}

export interface FetchManifest {
  files: FetchFile[];
  archives: FetchArchive[];
}

/** asappresearch/josh-llm-simulation-training, the snapshot ../shared/toolwoz was copied from. */
const TOOLWOZ_COMMIT = 'fc6b4943bc3b5f8af39726e01eb7b7bc1fffc3de';
const TOOLWOZ_RAW = `https://raw.githubusercontent.com/asappresearch/josh-llm-simulation-training/${TOOLWOZ_COMMIT}`;

/** budzianowski/multiwoz, the official MultiWOZ repository. */
const MULTIWOZ_COMMIT = 'fe0c8e65cfcd8462bd33c86e35f21addc84ca82b';

const toolwozFile = (upstreamPath: string, sha256: string): FetchFile => ({
  url: `${TOOLWOZ_RAW}/${upstreamPath}`,
  mirrorPath: `toolwoz/${upstreamPath}`,
  dest: `toolwoz/${upstreamPath}`,
  sha256,
  checksumSource: 'local-copy',
});

export const DEFAULT_MANIFEST: FetchManifest = {
  files: [
    toolwozFile('data/tools.json', '1a98bcbf5509663b1ba485145317abb39882b5d3aaac43435217ce255a9c025f'),
    toolwozFile(
      'data/valid_api_defs.json',
      'e7510137a0eac5e7be4ea4b5a9536744d8c9d31edaa3faf154dcb38aa41e532f',
    ),
    toolwozFile('db/restaurant_db.json', '7864b4e36027af0907d6afe9ed962fecd6c6966cd626b8ae9341708a04ea201a'),
    toolwozFile('db/hotel_db.json', '7f7d0fa564f6735b6a168a3ab72c7ca6f1180c49fa8a285bd9ebf7dac10e5e45'),
    toolwozFile('db/attraction_db.json', '2aacc620af4025f1eada5ec83057a866f8e8b72b529f71d2f8bf93bcdd8f8751'),
    toolwozFile('db/train_db.json', '4818e735bae20690f6d0d06bb2ae8eec1981c0b680258a970dc01c9073f3fec9'),
  ],
  archives: [
    {
      // github.com/.../raw/ (not raw.githubusercontent.com) so a Git LFS object would also resolve.
      url: `https://github.com/budzianowski/multiwoz/raw/${MULTIWOZ_COMMIT}/data/MultiWOZ_2.1.zip`,
      mirrorPath: 'multiwoz/MultiWOZ_2.1.zip',
      sha256: '8db3f6afe591383b8523b271f07727693e73012ecce47f3ac7987191e09b7523',
      checksumSource: 'published-record',
      members: [
        {
          names: ['data.json'],
          dest: 'multiwoz/data.json',
          sha256: '8be37ba1cb5b5a35943f32d4dbe03c5017dd88e15716f74987f60e0ece37851c',
          checksumSource: 'published-record',
        },
        // The official id lists; byte-identical to ToolWOZ's data/{test,val}ListFile.json.
        {
          names: ['testListFile.txt', 'testListFile.json'],
          dest: 'multiwoz/testListFile.json',
          sha256: '56fff5bf8c7b0a64fba8672241a7bdd947c3a58986bf06f46d37f33288f73ce0',
          checksumSource: 'local-copy',
        },
        {
          names: ['valListFile.txt', 'valListFile.json'],
          dest: 'multiwoz/valListFile.json',
          sha256: '8e19240b90576c3ed83a0d44ef5e7ca8916e47356662ed4621e6b39d8c327d80',
          checksumSource: 'local-copy',
        },
      ],
    },
  ],
};
