import Image from "next/image";
import Link from "next/link";

export function Brand() {
  return (
    <Link href="/" className="brand">
      <Image src="/brand.svg" alt="" width={26} height={26} className="brand-mark" unoptimized priority />
      Gatehouse
    </Link>
  );
}
