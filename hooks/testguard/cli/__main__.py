from testguard.cli import main

raise SystemExit(main())
